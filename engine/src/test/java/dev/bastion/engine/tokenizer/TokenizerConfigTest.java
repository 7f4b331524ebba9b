package dev.bastion.engine.tokenizer;

import dev.bastion.engine.template.ChatMessage;
import dev.bastion.engine.template.ChatTemplate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenizerConfigTest {

    @Test
    void missingFileGivesAllNulls(@TempDir Path dir) throws IOException {
        assertThat(TokenizerConfig.read(dir.resolve("tokenizer_config.json"))).isEqualTo(new TokenizerConfig(null, null, null, null));
    }

    @Test
    void aSiblingChatTemplateJinjaFileSuppliesAMissingTemplate(@TempDir Path dir) throws IOException {
        Path config = dir.resolve("tokenizer_config.json");
        Files.writeString(dir.resolve("chat_template.jinja"), "{{ messages[0].content }}\n");
        assertThat(TokenizerConfig.read(config).chatTemplate()).isEqualTo("{{ messages[0].content }}\n");
        Files.writeString(config, "{\"eos_token\": \"</s>\"}");
        assertThat(TokenizerConfig.read(config)).isEqualTo(new TokenizerConfig(null, "</s>", null, "{{ messages[0].content }}\n"));
        Files.writeString(config, "{\"chat_template\": \"inline\"}");
        assertThat(TokenizerConfig.read(config).chatTemplate()).isEqualTo("inline");
    }

    @Test
    void tokensMayBeStringsOrAddedTokenObjects() {
        TokenizerConfig config = TokenizerConfig.parse("""
                {"add_bos_token": true, "bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": false},
                 "eos_token": "</s>", "chat_template": "{{ x }}"}
                """);
        assertThat(config).isEqualTo(new TokenizerConfig("<s>", "</s>", true, "{{ x }}"));
    }

    @Test
    void namedTemplatesUseTheDefaultOne() {
        TokenizerConfig config = TokenizerConfig.parse("""
                {"bos_token": null, "chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}]}
                """);
        assertThat(config).isEqualTo(new TokenizerConfig(null, null, null, "D"));
    }

    @Test
    void malformedConfigsAreRejectedWithTheFieldAndFile(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> TokenizerConfig.parse("{\"eos_token\": 5}")).hasMessageContaining("eos_token: expected a string");
        assertThatThrownBy(() -> TokenizerConfig.parse("{\"add_bos_token\": \"yes\"}")).hasMessageContaining("add_bos_token");
        assertThatThrownBy(() -> TokenizerConfig.parse("{\"chat_template\": 1}")).hasMessageContaining("chat_template");
        Path file = dir.resolve("tokenizer_config.json");
        Files.writeString(file, "{oops");
        assertThatThrownBy(() -> TokenizerConfig.read(file)).hasMessageStartingWith(file + ": tokenizer_config.json is not valid JSON");
    }

    @Test
    void tinyConfigsMatchTheirTokenizersAndRender() {
        TokenizerConfig byteLevel = TokenizerConfig.parse(TinyTokenizers.byteLevelConfigJson());
        Tokenizer byteLevelTokenizer = Tokenizer.fromJson(TinyTokenizers.byteLevelJson());
        assertThat(byteLevelTokenizer.tokenId(byteLevel.eosToken())).isPresent();
        assertThat(byteLevelTokenizer.tokenId(byteLevel.bosToken())).isPresent();
        String prompt = new ChatTemplate(byteLevel.chatTemplate(), byteLevel.bosToken(), byteLevel.eosToken())
                .render(List.of(new ChatMessage("user", "Hi")), true);
        assertThat(prompt).isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
        int[] ids = byteLevelTokenizer.encode(prompt);
        assertThat(ids[0]).isEqualTo(byteLevelTokenizer.tokenId("<|im_start|>").getAsInt());

        TokenizerConfig sp = TokenizerConfig.parse(TinyTokenizers.sentencePieceConfigJson());
        assertThat(sp).extracting(TokenizerConfig::bosToken, TokenizerConfig::eosToken, TokenizerConfig::addBosToken)
                .containsExactly("<s>", "</s>", true);
        assertThat(new ChatTemplate(sp.chatTemplate(), sp.bosToken(), sp.eosToken())
                .render(List.of(new ChatMessage("system", "S"), new ChatMessage("user", "Hi")), true))
                .isEqualTo("<s>[INST] <<SYS>>\nS\n<</SYS>>\n\nHi [/INST]");
    }
}
