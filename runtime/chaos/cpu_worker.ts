/**
 * The worker of a `cpu_stress` fault: burns `share` of each 100 ms slice of
 * one core until it is terminated.
 */
const SLICE_MS = 100;
let share = 0.5;

(self as unknown as Worker).onmessage = (event: MessageEvent) => {
  share = Math.min(1, Math.max(0, Number(event.data?.share ?? share)));
};

function burn(): void {
  const until = performance.now() + SLICE_MS * share;
  let x = 0;
  while (performance.now() < until) x += Math.sqrt(x + 1);
  setTimeout(burn, SLICE_MS * (1 - share));
}
burn();
