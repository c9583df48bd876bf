-- 001: settlement jobs (shared/jobs/job.ts), one row per job. Applied by migrate.ts inside one
-- transaction; batches are separated by GO lines.
--
-- Codes and ids use a binary collation so equality and ordering are ordinal and case-sensitive,
-- like the Table storage store (RowKey, string properties) and the JavaScript tie-break in list.

CREATE TABLE dbo.SettlementJob (
    Id               NVARCHAR(128)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    Status           VARCHAR(16)    COLLATE Latin1_General_100_BIN2 NOT NULL,
    -- calculationType|periodStart|periodEnd|gridAreas (specKey() in job.ts), kept for reading.
    SpecKey          NVARCHAR(4000) COLLATE Latin1_General_100_BIN2 NOT NULL,
    -- SHA-256 of SpecKey: a fixed 32-byte index key (SpecKey with many grid areas can exceed the
    -- 1,700-byte nonclustered key limit). Written by the store as HASHBYTES of the same value;
    -- the check constraint keeps any other writer honest.
    SpecKeyHash      BINARY(32)     NOT NULL,
    CalculationType  VARCHAR(64)    COLLATE Latin1_General_100_BIN2 NOT NULL,
    PeriodStart      DATETIME2(3)   NOT NULL,
    PeriodEnd        DATETIME2(3)   NOT NULL,
    GridAreas        NVARCHAR(MAX)  NOT NULL,  -- JSON array of grid area codes, sorted
    AsOf             DATETIME2(3)   NOT NULL,
    CreatedByUserId  NVARCHAR(256)  NOT NULL,
    [Trigger]        NVARCHAR(256)  NOT NULL,  -- 'http', 'schedule:<name>'
    RequestedAt      DATETIME2(3)   NOT NULL,  -- all instants UTC
    StartedAt        DATETIME2(3)   NULL,
    ExecutingAt      DATETIME2(3)   NULL,
    FinishedAt       DATETIME2(3)   NULL,
    DoneBatches      INT            NOT NULL CONSTRAINT DF_SettlementJob_DoneBatches DEFAULT (0),
    TotalBatches     INT            NOT NULL CONSTRAINT DF_SettlementJob_TotalBatches DEFAULT (0),
    Error            NVARCHAR(MAX)  NULL,
    OutputPath       NVARCHAR(1024) NULL,
    ResultCounts     NVARCHAR(MAX)  NULL,      -- JSON object: result rows per time series type
    -- Job.version: changes on every write; updates are conditional on the value that was read.
    RowVersion       ROWVERSION     NOT NULL,
    CONSTRAINT PK_SettlementJob PRIMARY KEY CLUSTERED (Id),
    CONSTRAINT CK_SettlementJob_Status
        CHECK (Status IN ('Requested', 'Started', 'Executing', 'Completed', 'Failed', 'Canceled')),
    CONSTRAINT CK_SettlementJob_SpecKeyHash
        CHECK (SpecKeyHash = CAST(HASHBYTES('SHA2_256', SpecKey) AS BINARY(32))),
    CONSTRAINT CK_SettlementJob_GridAreas CHECK (ISJSON(GridAreas) = 1),
    CONSTRAINT CK_SettlementJob_ResultCounts CHECK (ResultCounts IS NULL OR ISJSON(ResultCounts) = 1),
    CONSTRAINT CK_SettlementJob_Progress CHECK (DoneBatches >= 0 AND TotalBatches >= 0)
);
GO

-- At most one active job per spec key, enforced by the database. The filter is on Status itself
-- (not on a separate "ActiveSpecKey" column the application would have to clear), so a job
-- leaves the index in the same UPDATE that makes it terminal and nothing can get out of step.
-- A second INSERT for an active spec key fails with error 2601, which the store turns into
-- "return the active job". (Filtered indexes cannot use computed columns, hence the stored hash.)
CREATE UNIQUE NONCLUSTERED INDEX UX_SettlementJob_ActiveSpecKey
    ON dbo.SettlementJob (SpecKeyHash)
    WHERE Status IN ('Requested', 'Started', 'Executing');
GO

-- list(): newest first, optionally by status / calculation type.
CREATE NONCLUSTERED INDEX IX_SettlementJob_RequestedAt
    ON dbo.SettlementJob (RequestedAt DESC, Id DESC)
    INCLUDE (Status, CalculationType);
GO
