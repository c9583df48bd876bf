/**
 * Jest setup: the app's structured log lines (shared/telemetry/log.ts) go nowhere unless a test
 * adds its own sink to read them. Without a sink they would be JSON on stdout, hundreds of lines
 * around the test results; the local host's readable sink goes to the host's `log` option as before.
 */
import { addLogSink } from '../../shared/telemetry/log';

addLogSink(() => {});
