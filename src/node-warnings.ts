/**
 * kafkajs 2.2.4 sets a negative timeout in its request queue on Node 22+, which prints a
 * TimeoutNegativeWarning (harmless: Node clamps it to 1 ms) many times an hour. Drop that one
 * warning; every other process warning still reaches the log.
 */
export function filterKnownWarnings(report: (warning: Error) => void = (w) => process.stderr.write(`${w.name}: ${w.message}\n`)): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'TimeoutNegativeWarning') return;
    report(warning);
  });
}
