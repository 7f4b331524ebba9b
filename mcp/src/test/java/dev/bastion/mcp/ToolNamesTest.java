package dev.bastion.mcp;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ToolNamesTest {

    @Test
    void splitsAtTheFirstSeparatorOnly() {
        assertThat(ToolNames.parse("everything__get_sum__x")).contains(new ToolNames.Parsed("everything", "get_sum__x"));
        assertThat(ToolNames.full("files", "read")).isEqualTo("files__read");
    }

    @Test
    void refusesNamesThatCouldMeanAnotherNamespace() {
        assertThat(ToolNames.parse("Files__read")).isEmpty();
        assertThat(ToolNames.parse("__read")).isEmpty();
        assertThat(ToolNames.parse("files__")).isEmpty();
        assertThat(ToolNames.parse("files_read")).isEmpty();
        assertThat(ToolNames.parse("fіles__read")).isEmpty(); // Cyrillic i
        assertThat(ToolNames.parse("files__re ad")).isEmpty();
        assertThat(ToolNames.parse("files/x__read")).isEmpty();
        assertThat(ToolNames.parse(null)).isEmpty();
    }
}
