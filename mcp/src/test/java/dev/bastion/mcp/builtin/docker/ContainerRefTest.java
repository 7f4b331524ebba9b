package dev.bastion.mcp.builtin.docker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class ContainerRefTest {

    @ParameterizedTest
    @ValueSource(strings = {"web", "my_app.1-blue", "c3e7c46f34c2",
            "c3e7c46f34c27e6263aa3f939d8e067a7be0d3f8e5498b17da8ba6d675012798", "A9"})
    void acceptsNamesAndIds(String ref) {
        assertThat(ContainerRef.parse(ref)).map(ContainerRef::value).contains(ref);
    }

    @Test
    void takesTheLeadingSlashEngineListsShow() {
        assertThat(ContainerRef.parse("/web")).map(ContainerRef::value).contains("web");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/", "//web", "../containers", "..", ".", ".hidden", "x?all=1", "x#frag", "%2e%2e",
            "web%2F..", "a/b", "a\\b", "web\n", "web\r\nHost: evil", "we b", "web\u0000", "-rf", "_x", "wеb" /* Cyrillic e */,
            "x&stream=true", "web;rm"})
    void refusesAnythingThatCouldLeaveItsPathSegment(String ref) {
        assertThat(ContainerRef.parse(ref)).isEmpty();
    }

    @Test
    void refusesNullAndOverlongNames() {
        assertThat(ContainerRef.parse(null)).isEmpty();
        assertThat(ContainerRef.parse("a".repeat(ContainerRef.MAX_LENGTH))).isPresent();
        assertThat(ContainerRef.parse("a".repeat(ContainerRef.MAX_LENGTH + 1))).isEmpty();
    }
}
