package dev.bastion.api;

/**
 * Who may see and change which models, decided from the {@link Caller} a handler read once at the edge of its request
 * (never from the request context deeper down). An owner is a user name, or null for a shared model.
 */
public interface ModelAccessPolicy {

    /** Without a security layer: every model is visible and changeable; stores are owned by the caller's name, if any. */
    ModelAccessPolicy OPEN = new ModelAccessPolicy() {
        @Override
        public String owner(Caller caller) {
            return caller.principal();
        }

        @Override
        public boolean maySee(Caller caller, String owner) {
            return true;
        }

        @Override
        public boolean mayModify(Caller caller, String owner) {
            return true;
        }
    };

    /** The owner recorded for models the caller stores, and the namespace they write to; null for the operator. */
    String owner(Caller caller);

    /** Whether the caller may see a model of {@code owner}; an invisible model answers exactly like an unknown one. */
    boolean maySee(Caller caller, String owner);

    /** Whether the caller may delete or overwrite a model of {@code owner}, or write into that namespace. */
    boolean mayModify(Caller caller, String owner);
}
