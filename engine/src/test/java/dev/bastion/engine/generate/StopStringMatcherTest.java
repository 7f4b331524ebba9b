package dev.bastion.engine.generate;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StopStringMatcherTest {

    /** Feeds pieces until a stop matches; returns everything emitted (plus the flush when nothing matched). */
    private static String run(StopStringMatcher matcher, String... pieces) {
        StringBuilder out = new StringBuilder();
        for (String piece : pieces) {
            out.append(matcher.append(piece));
            if (matcher.stopped()) return out.toString();
        }
        return out.append(matcher.flush()).toString();
    }

    @Test
    void withoutStopsEverythingIsReleasedImmediately() {
        StopStringMatcher matcher = new StopStringMatcher(List.of());
        assertThat(matcher.append("Hello")).isEqualTo("Hello");
        assertThat(matcher.append(" world")).isEqualTo(" world");
        assertThat(matcher.stopped()).isFalse();
        assertThat(matcher.flush()).isEmpty();
    }

    @Test
    void stopSplitAcrossPiecesIsHeldBackThenSuppressed() {
        StopStringMatcher matcher = new StopStringMatcher(List.of("</end>"));
        assertThat(matcher.append("Answer: 42</")).isEqualTo("Answer: 42");
        assertThat(matcher.append("en")).isEmpty();
        assertThat(matcher.stopped()).isFalse();
        assertThat(matcher.append("d> trailing")).isEmpty();
        assertThat(matcher.stopped()).isTrue();
    }

    @Test
    void heldTextIsReleasedWhenItStopsLookingLikeAStop() {
        StopStringMatcher matcher = new StopStringMatcher(List.of("STOP"));
        assertThat(matcher.append("ST")).isEmpty();
        assertThat(matcher.append("AR")).isEqualTo("STAR");
        assertThat(matcher.append("S")).isEmpty();
        assertThat(matcher.flush()).isEqualTo("S");
        assertThat(matcher.stopped()).isFalse();
    }

    @Test
    void textBeforeTheStopWithinOnePieceIsEmitted() {
        assertThat(run(new StopStringMatcher(List.of("\n\n")), "one\n", "two\n\nthree")).isEqualTo("one\ntwo");
    }

    @Test
    void overlappingPrefixesFindTheRealStop() {
        // "aab" overlaps itself: after "aa" + "aab" the stop starts one char later than the first held 'a'.
        assertThat(run(new StopStringMatcher(List.of("aab")), "xa", "a", "a", "b", "tail")).isEqualTo("xa");
        assertThat(run(new StopStringMatcher(List.of("abcd", "bc")), "a", "b", "c", "d")).isEqualTo("a");
    }

    @Test
    void theEarliestOfSeveralStopsWins() {
        assertThat(run(new StopStringMatcher(List.of("world", "lo")), "hello world")).isEqualTo("hel");
        assertThat(run(new StopStringMatcher(List.of("User:", "\nUser")), "Hi\nUser: x")).isEqualTo("Hi");
    }

    @Test
    void noStopMeansTheWholeTextComesOut() {
        assertThat(run(new StopStringMatcher(List.of("<|im_end|>")), "a <", "|im", "_start|> b")).isEqualTo("a <|im_start|> b");
    }

    @Test
    void surrogatePairsAreNeverSplit() {
        String emoji = "\uD83D\uDE00";
        StopStringMatcher matcher = new StopStringMatcher(List.of("\uDE00x"));
        String released = matcher.append("a" + emoji);
        assertThat(released).isEqualTo("a");
        assertThat(matcher.flush()).isEqualTo(emoji);
    }

    @Test
    void misuseIsRejected() {
        assertThatThrownBy(() -> new StopStringMatcher(List.of(""))).isInstanceOf(IllegalArgumentException.class);
        StopStringMatcher matcher = new StopStringMatcher(List.of("x"));
        matcher.append("x");
        assertThatThrownBy(() -> matcher.append("y")).isInstanceOf(IllegalStateException.class);
    }
}
