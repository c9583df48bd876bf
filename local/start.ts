/** `npm start`: the app on http://localhost:7071/api with Azurite data under .local/ (Ctrl-C stops). */
import { startLocalHost } from './host';

startLocalHost()
  .then((host) => {
    const stop = () => {
      console.log('stopping ...');
      host.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  })
  .catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
