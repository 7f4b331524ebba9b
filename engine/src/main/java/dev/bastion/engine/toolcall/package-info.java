/**
 * A model's tool calls in its reply: the families' formats ({@link dev.bastion.engine.toolcall.ToolCallFormat}),
 * told apart by the markers of their templates, and a streaming parser that never fails a reply.
 */
package dev.bastion.engine.toolcall;
