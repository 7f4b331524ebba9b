package dev.bastion.security;

import java.util.Set;

/** Ownership and delegation rules: one user's private resources are invisible to others; admins see all. */
public final class Authorizer {

    private Authorizer() {
    }

    public static boolean canSee(Principal principal, String ownerUserName) {
        return principal.isAdmin() || principal.userName().equals(ownerUserName);
    }

    /** A model without an owner (the operator's, imported or created through the CLI) is shared with everyone. */
    public static boolean canSeeModel(Principal principal, String ownerUserName) {
        return ownerUserName == null || canSee(principal, ownerUserName);
    }

    /** Same rule as seeing: only the owner (or an admin) may change or delete. */
    public static boolean canModify(Principal principal, String ownerUserName) {
        return canSee(principal, ownerUserName);
    }

    public static void requireCanSee(Principal principal, String ownerUserName) {
        if (!canSee(principal, ownerUserName)) {
            // The message does not confirm that the resource exists.
            throw new AccessDeniedException("not found or not permitted");
        }
    }

    /**
     * Whether {@code actor} may issue a key for {@code targetUser} with {@code scopes}: admins may issue any key;
     * others only for themselves, never an admin-only scope, and never more than their own key carries.
     */
    public static boolean canCreateKey(Principal actor, String targetUser, Set<Scope> scopes) {
        if (actor.isAdmin()) {
            return true;
        }
        return actor.userName().equals(targetUser) && scopes.stream().noneMatch(Scope::adminOnly) && actor.scopes().containsAll(scopes);
    }
}
