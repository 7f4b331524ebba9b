/**
 * The model store over the OCI Distribution API: served by {@link dev.bastion.registry.RegistryModule}, fetched and sent by
 * {@link dev.bastion.registry.RegistryClient} ({@code /api/pull}, {@code /api/push}, {@code bastion pull|push}).
 */
package dev.bastion.registry;
