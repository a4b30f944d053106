// The fake kube-apiserver (test/fakes/kube-apiserver/main.ts) with a per-request latency of
// $BENCH_API_LATENCY_MS (default 5): fake kind starts this entry when FAKE_KIND_APISERVER names it.
import { register } from 'tsx/esm/api';

register();
process.argv.push('--latency-ms', process.env.BENCH_API_LATENCY_MS ?? '5');
await import('../../test/fakes/kube-apiserver/main.ts');
