package dev.bastion.api.security;

import dev.bastion.api.Caller;
import dev.bastion.api.ModelAccessPolicy;
import dev.bastion.security.Authorizer;
import dev.bastion.security.Principal;

/**
 * Model access behind the security chain: by the caller's account ({@link Authorizer}: own and shared models, admins
 * all). A caller without an account sees and changes nothing (every model route runs after authentication). The local
 * operator of {@code --insecure-no-auth} stores shared models.
 */
final class AccountModelAccess implements ModelAccessPolicy {

    @Override
    public String owner(Caller caller) {
        Principal account = caller.account();
        return account == null || account == Principal.LOCAL_OPERATOR ? null : account.userName();
    }

    @Override
    public boolean maySee(Caller caller, String owner) {
        return caller.account() != null && Authorizer.canSeeModel(caller.account(), owner);
    }

    @Override
    public boolean mayModify(Caller caller, String owner) {
        return caller.account() != null && Authorizer.canModify(caller.account(), owner);
    }
}
