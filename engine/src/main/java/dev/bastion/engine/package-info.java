/** Bastion's inference engine: pure Java, Vector API, memory-mapped SafeTensors. Knows nothing of HTTP or storage. */
package dev.bastion.engine;
