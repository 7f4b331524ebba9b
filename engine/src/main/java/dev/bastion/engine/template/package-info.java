/**
 * Chat messages, Hugging Face chat templates (Jinja, rendered with Jinjava in HF's Jinja2 configuration) and the
 * subset of Ollama's Go templates a Modelfile TEMPLATE or a request {@code template} may use ({@link GoPromptTemplate}).
 */
package dev.bastion.engine.template;
