package dev.bastion.mcp.builtin.docker;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DockerSettingsTest {

    @Test
    void offUnlessASocketIsConfigured() {
        assertThat(DockerSettings.socket(Map.of())).isEmpty();
        assertThat(DockerSettings.socket(Map.of(DockerSettings.ENV_SOCKET, "  "))).isEmpty();
    }

    @Test
    void takesAUnixUrlOrAnAbsolutePath() {
        assertThat(DockerSettings.socket(Map.of(DockerSettings.ENV_SOCKET, "unix:///var/run/docker.sock")))
                .contains(Path.of("/var/run/docker.sock"));
        assertThat(DockerSettings.socket(Map.of(DockerSettings.ENV_SOCKET, "/run/podman/podman.sock")))
                .contains(Path.of("/run/podman/podman.sock"));
    }

    @Test
    void refusesTcpAndRelativeEndpointsWithoutEchoingThem() {
        for (String value : new String[] {"tcp://10.0.0.1:2375", "docker.sock", "unix://relative.sock", "npipe:////./pipe/x"}) {
            assertThatThrownBy(() -> DockerSettings.socket(Map.of(DockerSettings.ENV_SOCKET, value)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("BASTION_DOCKER_SOCKET must be a Unix socket, e.g. unix:///var/run/docker.sock");
        }
    }
}
