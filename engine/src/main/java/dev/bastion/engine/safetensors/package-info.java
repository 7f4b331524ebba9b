/**
 * Strictly validated, memory-mapped SafeTensors files (single or sharded) and a writer for them.
 * Every structural rule of the official safetensors library is checked before any tensor is handed out.
 */
package dev.bastion.engine.safetensors;
