package dev.bastion.api;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BindAddressTest {

    @Test
    void acceptsTheFormsOllamaHostAccepts() {
        assertThat(BindAddress.parse(null)).isEqualTo(new BindAddress("127.0.0.1", 11434));
        assertThat(BindAddress.parse("0.0.0.0")).isEqualTo(new BindAddress("0.0.0.0", 11434));
        assertThat(BindAddress.parse("localhost:8080")).isEqualTo(new BindAddress("localhost", 8080));
        assertThat(BindAddress.parse("http://10.1.2.3:9000")).isEqualTo(new BindAddress("10.1.2.3", 9000));
        assertThat(BindAddress.parse("http://example.org/")).isEqualTo(new BindAddress("example.org", 11434));
        assertThat(BindAddress.parse("[::1]:7000")).isEqualTo(new BindAddress("::1", 7000));
        assertThat(new BindAddress("::1", 7000)).hasToString("[::1]:7000");
    }

    @Test
    void rejectsNonsenseNamingTheValue() {
        assertThatThrownBy(() -> BindAddress.parse("ftp://host:1")).hasMessageContaining("ftp://host:1");
        assertThatThrownBy(() -> BindAddress.parse("host:99999")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BindAddress.parse("http://host:1/path")).hasMessageContaining("http://host:1/path");
        assertThatThrownBy(() -> BindAddress.parse("a b:1")).hasMessageContaining("a b:1");
    }
}
