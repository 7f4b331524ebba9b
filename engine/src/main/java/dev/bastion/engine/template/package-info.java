/** Chat messages and Hugging Face chat templates (Jinja, rendered with Jinjava in HF's Jinja2 configuration). */
package dev.bastion.engine.template;
