/**
 * Operating a node: health probes for load balancers ({@link dev.bastion.api.ops.Readiness},
 * {@link dev.bastion.api.ops.HealthRoutes}) and Prometheus metrics ({@link dev.bastion.api.ops.ServerMetrics}).
 */
package dev.bastion.api.ops;
