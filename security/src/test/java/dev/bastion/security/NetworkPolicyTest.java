package dev.bastion.security;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NetworkPolicyTest {

    @Test
    void requestIdsKeepOnlyPlainClientValues() {
        assertThat(RequestIds.resolve("abc-123_x.y")).isEqualTo("abc-123_x.y");
        for (String hostile : new String[] {null, "", "a\r\nSet-Cookie: x=1", "a".repeat(65), "ünï", "a b", "x;y"}) {
            String resolved = RequestIds.resolve(hostile);
            assertThat(resolved).as("for %s", hostile).isNotEqualTo(hostile).matches("[A-Za-z0-9_-]{22}");
        }
        assertThat(RequestIds.generate()).isNotEqualTo(RequestIds.generate());
    }

    @Test
    void cidrMatchesIpv4AndIpv6() {
        assertThat(Cidr.parse("10.0.0.0/8").contains(Cidr.parseAddress("10.255.1.2"))).isTrue();
        assertThat(Cidr.parse("10.0.0.0/8").contains(Cidr.parseAddress("11.0.0.1"))).isFalse();
        assertThat(Cidr.parse("192.168.1.7").contains(Cidr.parseAddress("192.168.1.7"))).isTrue();
        assertThat(Cidr.parse("192.168.1.7").contains(Cidr.parseAddress("192.168.1.8"))).isFalse();
        assertThat(Cidr.parse("172.16.0.0/12").contains(Cidr.parseAddress("172.31.255.255"))).isTrue();
        assertThat(Cidr.parse("172.16.0.0/12").contains(Cidr.parseAddress("172.32.0.0"))).isFalse();
        assertThat(Cidr.parse("fd00::/8").contains(Cidr.parseAddress("fd12:3456::1"))).isTrue();
        assertThat(Cidr.parse("fd00::/8").contains(Cidr.parseAddress("fe80::1"))).isFalse();
        assertThat(Cidr.parse("::1/128").contains(Cidr.parseAddress("[::1]"))).isTrue();
        assertThat(Cidr.parse("0.0.0.0/0").contains(Cidr.parseAddress("8.8.8.8"))).isTrue();
        assertThat(Cidr.parse("10.0.0.0/8").contains(Cidr.parseAddress("::ffff:10.0.0.1")))
                .as("IPv4-mapped IPv6 is the IPv4 address").isTrue();
        assertThat(Cidr.parse("10.1.2.3/8")).hasToString("10.0.0.0/8");
    }

    @Test
    void hostnamesAndGarbageAreRefusedWithoutDnsLookup() {
        for (String bad : new String[] {"localhost", "example.com/24", "10.0.0.0/33", "::1/129", "1.2.3", "300.1.1.1",
                "fe80::1%eth0", "10.0.0.0/-1", "", "10.0.0.0/8/8"}) {
            assertThatThrownBy(() -> Cidr.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(bad.isEmpty() ? "empty" : bad.split("/")[0]);
        }
    }

    @Test
    void emptyAllowlistAllowsAll() {
        assertThat(IpAllowlist.parse(List.of()).allows(Cidr.parseAddress("203.0.113.9"))).isTrue();
        IpAllowlist list = IpAllowlist.parse(List.of("127.0.0.1", "10.0.0.0/8"));
        assertThat(list.allows(Cidr.parseAddress("10.2.3.4"))).isTrue();
        assertThat(list.allows(Cidr.parseAddress("203.0.113.9"))).isFalse();
    }

    @Test
    void forwardedForIgnoredFromUntrustedPeer() {
        ClientAddressResolver resolver = ClientAddressResolver.parse(List.of("10.0.0.1"));
        assertThat(resolver.resolve("203.0.113.9", List.of("127.0.0.1")).getHostAddress()).isEqualTo("203.0.113.9");
    }

    @Test
    void forwardedForTakesRightMostUntrustedHop() {
        ClientAddressResolver resolver = ClientAddressResolver.parse(List.of("10.0.0.0/8"));
        // client spoofs 127.0.0.1; the real client 198.51.100.7 was appended by proxy 10.0.0.2, then 10.0.0.1
        assertThat(resolver.resolve("10.0.0.1", List.of("127.0.0.1, 198.51.100.7", "10.0.0.2")).getHostAddress())
                .isEqualTo("198.51.100.7");
        assertThat(resolver.resolve("10.0.0.1", List.of("not-an-ip")).getHostAddress()).isEqualTo("10.0.0.1");
        assertThat(resolver.resolve("10.0.0.1", List.of()).getHostAddress()).isEqualTo("10.0.0.1");
        assertThat(resolver.resolve("10.0.0.1", List.of("10.0.0.3")).getHostAddress()).isEqualTo("10.0.0.3");
    }

    @Test
    void rateLimitKeyGroupsIpv6By64() {
        assertThat(ClientAddressResolver.rateLimitKey(Cidr.parseAddress("2001:db8:1:2:aaaa::1")))
                .isEqualTo(ClientAddressResolver.rateLimitKey(Cidr.parseAddress("2001:db8:1:2:bbbb::9")));
        assertThat(ClientAddressResolver.rateLimitKey(Cidr.parseAddress("2001:db8:1:3::1")))
                .isNotEqualTo(ClientAddressResolver.rateLimitKey(Cidr.parseAddress("2001:db8:1:2::1")));
        assertThat(ClientAddressResolver.rateLimitKey(Cidr.parseAddress("192.0.2.1"))).isEqualTo("192.0.2.1");
    }

    @Test
    void corsDefaultsToLoopbackOriginsOnly() {
        CorsPolicy cors = CorsPolicy.loopbackOnly();
        assertThat(cors.allows("http://localhost:3000")).isTrue();
        assertThat(cors.allows("http://127.0.0.1")).isTrue();
        assertThat(cors.allows("http://[::1]:8080")).isTrue();
        assertThat(cors.allows("http://localhost.evil.com")).isFalse();
        assertThat(cors.allows("https://evil.example")).isFalse();
        assertThat(cors.allows("null")).isFalse();
        assertThat(cors.preflightHeaders("https://evil.example", "POST")).isEmpty();
        assertThat(cors.preflightHeaders("http://localhost:3000", "POST"))
                .containsEntry("Access-Control-Allow-Origin", "http://localhost:3000")
                .containsKey("Access-Control-Allow-Headers")
                .doesNotContainValue("*");
        assertThat(cors.preflightHeaders("http://localhost:3000", "TRACE")).isEmpty();
    }

    @Test
    void corsConfiguredOriginsAreExactAndNeverWildcard() {
        CorsPolicy cors = CorsPolicy.of(List.of("https://app.example.com"));
        assertThat(cors.allows("https://app.example.com")).isTrue();
        assertThat(cors.allows("https://APP.example.com")).isTrue();
        assertThat(cors.allows("https://app.example.com.evil")).isFalse();
        assertThat(cors.allows("http://localhost:3000")).isFalse();
        assertThatThrownBy(() -> CorsPolicy.of(List.of("*"))).hasMessageContaining("wildcard");
        assertThatThrownBy(() -> CorsPolicy.of(List.of("https://x.com/path"))).hasMessageContaining("https://x.com/path");
    }

    @Test
    void corsAppSchemePatternsMatchOnlyThatScheme() {
        CorsPolicy cors = CorsPolicy.of(List.of("vscode-webview://*", "app://*", "https://*.example.com"));
        assertThat(cors.allows("vscode-webview://1b2c3d4e5f")).isTrue();
        assertThat(cors.allows("app://obsidian.md")).isTrue();
        assertThat(cors.allows("https://chat.example.com")).isTrue();
        assertThat(cors.allows("https://a.b.example.com")).isTrue();
        for (String hostile : List.of("https://evil.com#vscode-webview://x", "https://evil.com/vscode-webview://x",
                "https://vscode-webview://x", "https://evil.com?app://x", "http://app://x", "vscode-webview-evil://x",
                "xvscode-webview://x", "https://example.com", "https://evilexample.com", "https://example.com.evil.net",
                "https://x.example.com:8443", "https://x.example.com@evil.com", "https://evil.com\\.example.com",
                "https://evil.com%2e.example.com", "http://chat.example.com", "null", "", "vscode-webview://",
                "vscode-webview://x/y", "vscode-webview://x\r\nSet-Cookie: a=b", " vscode-webview://x")) {
            assertThat(cors.allows(hostile)).as(hostile).isFalse();
        }
        assertThat(cors.allows("http://localhost:3000")).as("configured origins replace the loopback default").isFalse();
        assertThatThrownBy(() -> CorsPolicy.of(List.of("https://*"))).hasMessageContaining("wildcard");
        assertThatThrownBy(() -> CorsPolicy.of(List.of("http://*"))).hasMessageContaining("wildcard");
        assertThatThrownBy(() -> CorsPolicy.of(List.of("https://*.com.*"))).hasMessageContaining("wildcard");
        assertThatThrownBy(() -> CorsPolicy.of(List.of("*://x"))).hasMessageContaining("wildcard");
        assertThatThrownBy(() -> CorsPolicy.of(List.of("https://ev*il.com"))).hasMessageContaining("wildcard");
    }

    @Test
    void corsPreflightAllowsWhatTheOpenAiAndAnthropicBrowserSdksSend() {
        CorsPolicy cors = CorsPolicy.loopbackOnly();
        String allowed = cors.preflightHeaders("http://localhost:5173", "POST",
                "authorization, content-type, x-stainless-os, x-stainless-brand-new, x-evil, anthropic-version").get("Access-Control-Allow-Headers");
        List<String> names = java.util.Arrays.stream(allowed.split(",")).map(h -> h.strip().toLowerCase(java.util.Locale.ROOT)).toList();
        assertThat(names).contains("authorization", "content-type", "x-api-key", "anthropic-version", "openai-beta",
                "anthropic-dangerous-direct-browser-access", "x-stainless-os", "x-stainless-retry-count", "x-stainless-brand-new")
                .doesNotContain("x-evil", "*");
    }

    @Test
    void forwardedHopsWithPortsOrBracketsNameTheClientNotTheProxy() {
        // Some proxies append the client's port; read as garbage, the client would pass as the (allowlisted) proxy.
        ClientAddressResolver resolver = ClientAddressResolver.parse(List.of("10.0.0.0/8"));
        assertThat(resolver.resolve("10.0.0.1", List.of("203.0.113.9:51234")).getHostAddress()).isEqualTo("203.0.113.9");
        assertThat(resolver.resolve("10.0.0.1", List.of("[2001:db8::7]:443")).getHostAddress()).isEqualTo("2001:db8:0:0:0:0:0:7");
        assertThat(resolver.resolve("10.0.0.1", List.of("[2001:db8::7]")).getHostAddress()).isEqualTo("2001:db8:0:0:0:0:0:7");
        assertThat(resolver.resolve("10.0.0.1", List.of(" 203.0.113.9 ,10.0.0.4:80")).getHostAddress()).isEqualTo("203.0.113.9");
        assertThat(resolver.resolve("10.0.0.1", List.of("2001:db8::7")).getHostAddress()).as("bare IPv6 is not a port")
                .isEqualTo("2001:db8:0:0:0:0:0:7");
        assertThat(resolver.resolve("10.0.0.1", List.of("203.0.113.9:port")).getHostAddress()).as("garbage").isEqualTo("10.0.0.1");
        assertThat(resolver.resolve("10.0.0.1", List.of("[2001:db8::7]x")).getHostAddress()).isEqualTo("10.0.0.1");
    }

    @Test
    void aLinkLocalPeerWithZoneIdIsResolvedNotRefusedAsGarbage() {
        // The TCP peer comes from the operating system, which names link-local IPv6 peers with their zone.
        ClientAddressResolver resolver = ClientAddressResolver.parse(List.of());
        assertThat(resolver.resolve("fe80:0:0:0:1:2:3:4%eth0", List.of()).getHostAddress()).isEqualTo("fe80:0:0:0:1:2:3:4");
        assertThat(resolver.resolve("[fe80::5%2]", List.of()).getHostAddress()).isEqualTo("fe80:0:0:0:0:0:0:5");
        assertThat(ClientAddressResolver.rateLimitKey(resolver.resolve("fe80::1:2:3:4%eth0", List.of()))).isEqualTo("fe80:0:0:0:0:0:0:0/64");
    }
}
