// A nightly job wrapped in the official @sentry/node SDK's withMonitor, as its docs show: the only thing pointing
// it at Alerts is the DSN. The argument says how this run goes:
//   ok       the job's work succeeds
//   fail     the job throws (the SDK sends an error check-in; the app's handler also reports the exception)
//   hold     the job prints "started" and works until a line arrives on standard input, then succeeds
// Exits 0 when the SDK delivered everything, 2 when it could not.
//   SENTRY_DSN=http://KEY@127.0.0.1:PORT/1 NODE_PATH=.tools/node_modules node monitor.cjs ok
'use strict';
const Sentry = require('@sentry/node');

Sentry.init({ dsn: process.env.SENTRY_DSN, environment: 'production', release: 'reports@3.1.0' });

const monitorConfig = {
  schedule: { type: 'crontab', value: '0 4 * * *' },
  timezone: 'Europe/Berlin',
  checkinMargin: 5,
  maxRuntime: 10,
  failureIssueThreshold: 1,
  recoveryThreshold: 1,
};

function untilStdinLine() {
  return new Promise((resolve) => process.stdin.once('data', resolve));
}

async function nightlyReport(outcome) {
  if (outcome === 'hold') {
    console.log('started');
    await untilStdinLine();
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  if (outcome === 'fail') throw new Error('report store unreachable: ECONNREFUSED 10.0.0.7:5432');
  return 'report sent';
}

(async () => {
  const outcome = process.argv[2];
  try {
    await Sentry.withMonitor('nightly-report', () => nightlyReport(outcome), monitorConfig);
  } catch (err) {
    Sentry.captureException(err);
  }
  const delivered = await Sentry.flush(15000);
  process.stdin.destroy();
  process.exit(delivered ? 0 : 2);
})();
