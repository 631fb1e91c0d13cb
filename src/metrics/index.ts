/** Prometheus metrics of a worker and an endpoint serving them; see docs/metrics.md. */
export {
  workerMetrics,
  type TrackedWorker,
  type WorkerMetrics,
  type WorkerMetricsOptions,
} from './worker-metrics.ts';
export { serveMetrics, type MetricsServer, type ServeMetricsOptions } from './serve-metrics.ts';
