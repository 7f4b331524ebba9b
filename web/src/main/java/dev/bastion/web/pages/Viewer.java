package dev.bastion.web.pages;

import dev.bastion.security.Role;

/**
 * Who is looking at a page: the signed-in user, their role and the session's CSRF token (which the page's scripts
 * send back in {@code X-CSRF-Token}; empty for {@code --insecure-no-auth}'s local operator, who needs none).
 */
public record Viewer(String user, Role role, String csrfToken) {

    public boolean admin() {
        return role == Role.ADMIN;
    }
}
