package dev.bastion.api;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class ThinkingSplitterTest {

    /** Feeds {@code reply} in random pieces; returns {thinking, content}. */
    private static String[] split(String reply, boolean promptOpened, Random random) {
        ThinkingSplitter splitter = new ThinkingSplitter(promptOpened);
        StringBuilder thinking = new StringBuilder();
        StringBuilder content = new StringBuilder();
        int i = 0;
        while (i < reply.length()) {
            int n = 1 + random.nextInt(4);
            ThinkingSplitter.Split s = splitter.add(reply.substring(i, Math.min(reply.length(), i + n)));
            thinking.append(s.thinking());
            content.append(s.content());
            i += n;
        }
        ThinkingSplitter.Split s = splitter.flush();
        return new String[] {thinking.append(s.thinking()).toString(), content.append(s.content()).toString()};
    }

    @Test
    void splitsWhereverThePiecesBreak() {
        Random random = new Random(3);
        for (int round = 0; round < 200; round++) {
            assertThat(split("\n<think>I wonder.</think>\n\nThe answer <b>is</b> 4", false, random))
                    .containsExactly("I wonder.", "The answer <b>is</b> 4");
            assertThat(split("I wonder.</think>  4", true, random)).containsExactly("I wonder.", "4");
            assertThat(split("No tags <thin at all", false, random)).containsExactly("", "No tags <thin at all");
            assertThat(split("<think>cut off </thi", false, random)).containsExactly("cut off </thi", "");
            assertThat(split("<thi", false, random)).as("a reply that only starts like the tag").containsExactly("", "<thi");
        }
    }

    @Test
    void detectsAPromptThatOpenedTheReasoning() {
        assertThat(ThinkingSplitter.opens("<|im_start|>assistant\n<think>\n")).isTrue();
        assertThat(ThinkingSplitter.opens("<|im_start|>assistant\n<think>\n\n</think>\n\n")).isFalse();
    }
}
