package dev.bastion.web;

import dev.bastion.security.db.TestPostgres;

import java.util.Map;

/** The same two-factor, policy and password-change tests with the security database on PostgreSQL. */
class PostgresTwoFactorSignInTest extends TwoFactorSignInTest {

    @Override
    Map<String, String> environment() throws Exception {
        return TestPostgres.shared().freshEnvironment(home);
    }
}
