package dev.bastion.engine.template;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** Hostile templates (Jinja chat templates and Go TEMPLATEs) stop within their render budget and are refused when loaded. */
class TemplateBudgetTest {

    /** Three nested range(3000) loops: Jinjava caps each range at 1000, which still leaves 10^9 iterations. */
    private static final String NESTED_LOOPS = "{% for a in range(3000) %}{% for b in range(3000) %}{% for c in range(3000) %}"
            + "{{ c }}{% endfor %}{% endfor %}{% endfor %}";
    private static final String EMPTY_NESTED_LOOPS = "{% for a in range(3000) %}{% for b in range(3000) %}{% for c in range(3000) %}"
            + "{% endfor %}{% endfor %}{% endfor %}";
    private static final List<ChatMessage> HI = List.of(new ChatMessage("user", "hi"));
    private static final RenderLimits SHORT = new RenderLimits(Duration.ofMillis(200), Long.MAX_VALUE, 32);

    private static RenderBudget budget(RenderLimits limits) {
        return RenderBudget.start(limits, 128, () -> false);
    }

    private static Throwable thrownWithin(Duration limit, Runnable render) {
        return assertTimeoutPreemptively(limit, () -> {
            try {
                render.run();
            } catch (RuntimeException e) {
                return e;
            }
            throw new AssertionError("rendered without running out of budget");
        });
    }

    @Test
    void runawayLoopsStopAtTheDefaultBudget() {
        ChatTemplate template = new ChatTemplate(NESTED_LOOPS, "", "");
        assertThat(thrownWithin(Duration.ofSeconds(10), () -> template.render(HI, true)))
                .isInstanceOf(TemplateBudgetExceededException.class);
    }

    @Test
    void runawayLoopsStopAtTheirTimeBudget() {
        for (String source : List.of(NESTED_LOOPS, EMPTY_NESTED_LOOPS)) {
            long start = System.nanoTime();
            Throwable thrown = thrownWithin(Duration.ofSeconds(10), () -> new ChatTemplate(source, "", "").render(HI, true, budget(SHORT)));
            assertThat(thrown).isInstanceOf(TemplateBudgetExceededException.class);
            // On an idle machine the printing loops can fill the 1 MiB output floor before 200 ms; the empty ones cannot.
            if (source.equals(EMPTY_NESTED_LOOPS)) assertThat(thrown).hasMessage("the template exceeded its render budget (200 ms of time)");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        }
    }

    @Test
    void loopsStopAtTheirStepBudget() {
        RenderLimits steps = new RenderLimits(Duration.ofSeconds(30), 10_000, 32);
        assertThatThrownBy(() -> new ChatTemplate(NESTED_LOOPS, "", "").render(HI, true, budget(steps)))
                .isInstanceOf(TemplateBudgetExceededException.class)
                .hasMessageContaining("10000 steps");
    }

    @Test
    void outputStopsAtTheCapForTheModelsContext() {
        String doubling = "{% set s = namespace(v='xx') %}{% for i in range(40) %}{% set s.v = s.v ~ s.v %}{% endfor %}{{ s.v }}";
        String wide = "{% for a in range(1000) %}{% for b in range(1000) %}xx{% endfor %}{% endfor %}";
        RenderLimits roomy = new RenderLimits(Duration.ofMinutes(1), Long.MAX_VALUE, 32);
        for (String source : List.of(doubling, wide)) {
            assertThatThrownBy(() -> new ChatTemplate(source, "", "").render(HI, true, budget(roomy)))
                    .as(source)
                    .isInstanceOf(TemplateBudgetExceededException.class)
                    .hasMessageContaining(RenderLimits.MIN_OUTPUT_CHARS + " characters of output");
        }
        RenderLimits perToken = new RenderLimits(Duration.ofSeconds(5), Long.MAX_VALUE, 8);
        assertThat(perToken.maxOutputChars(1 << 20)).isEqualTo(8L << 20);
        assertThat(perToken.maxOutputChars(16)).isEqualTo(RenderLimits.MIN_OUTPUT_CHARS);
    }

    @Test
    void hugeAllocationsAreABudgetErrorNotAnOutOfMemoryError() {
        for (String source : List.of("{{ 'x'|center(2000000000) }}", "{{ 'ab' * 2000000000 }}", "{{ '%2000000000d'|format(1) }}")) {
            Throwable thrown = thrownWithin(Duration.ofSeconds(10), () -> new ChatTemplate(source, "", "").render(HI, true, budget(RenderLimits.DEFAULT)));
            assertThat(thrown).as(source).isInstanceOfAny(TemplateBudgetExceededException.class, IllegalArgumentException.class);
        }
    }

    @Test
    void cancellationStopsARenderInProgress() throws Exception {
        AtomicBoolean cancelled = new AtomicBoolean();
        RenderBudget budget = RenderBudget.start(new RenderLimits(Duration.ofMinutes(5), Long.MAX_VALUE, 32), 128, cancelled::get);
        CompletableFuture<String> render = CompletableFuture.supplyAsync(() -> new ChatTemplate(NESTED_LOOPS, "", "").render(HI, true, budget));
        Thread.sleep(100);
        cancelled.set(true);
        assertThatThrownBy(() -> render.get(2, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(CancellationException.class);
    }

    @Test
    void hugeOrDeeplyNestedTemplatesAreRefusedWhenLoaded() {
        int deep = 5000;
        List<Supplier<Object>> hostile = List.of(
                () -> new ChatTemplate("x".repeat(RenderLimits.MAX_SOURCE_CHARS + 1), "", ""),
                () -> new ChatTemplate("{% if true %}".repeat(deep) + "x" + "{% endif %}".repeat(deep), "", ""),
                () -> new ChatTemplate("{{ " + "(".repeat(deep) + "1" + ")".repeat(deep) + " }}", "", ""),
                () -> new ChatTemplate("{{ " + "[".repeat(deep) + "]".repeat(deep) + " }}", "", ""),
                () -> GoPromptTemplate.parse("{{ .Prompt }}".repeat(RenderLimits.MAX_SOURCE_CHARS)));
        for (Supplier<Object> load : hostile) {
            assertThat(thrownWithin(Duration.ofSeconds(10), load::get)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageMatching(".*(longer than|deeper than).*");
        }
        assertThat(new ChatTemplate("{% if true %}".repeat(20) + "x" + "{% endif %}".repeat(20), "", "").render(HI, true)).isEqualTo("x");
    }

    @Test
    void goTemplateOutputStopsAtTheCap() {
        GoPromptTemplate echo = GoPromptTemplate.parse("{{ .Prompt }}".repeat(10_000));
        String prompt = "p".repeat(10_000);
        assertThatThrownBy(() -> echo.render(List.of(new ChatMessage("user", prompt)), budget(RenderLimits.DEFAULT)))
                .isInstanceOf(TemplateBudgetExceededException.class)
                .hasMessageContaining("characters of output");
        assertThatThrownBy(() -> echo.render(List.of(new ChatMessage("user", prompt))))
                .isInstanceOf(TemplateBudgetExceededException.class);
    }

    @Test
    void goTemplatesStopAtTheirStepBudgetAndWhenCancelled() {
        GoPromptTemplate template = GoPromptTemplate.parse("[{{ .Prompt }}]{{ .Response }}");
        List<ChatMessage> turns = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            turns.add(new ChatMessage("user", "q"));
            turns.add(new ChatMessage("assistant", "a"));
        }
        assertThatThrownBy(() -> template.render(turns, budget(new RenderLimits(Duration.ofSeconds(5), 1000, 32))))
                .isInstanceOf(TemplateBudgetExceededException.class).hasMessageContaining("1000 steps");
        assertThatThrownBy(() -> template.render(turns, RenderBudget.start(RenderLimits.DEFAULT, 128, () -> true)))
                .isInstanceOf(CancellationException.class);
    }

    @Test
    void manyMessagesOfOneRoleCollateInLinearTime() {
        GoPromptTemplate template = GoPromptTemplate.parse("{{ .Prompt }}");
        List<ChatMessage> flood = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) flood.add(new ChatMessage("user", "m".repeat(1000)));
        RenderBudget roomy = RenderBudget.start(new RenderLimits(Duration.ofSeconds(10), Long.MAX_VALUE, 1000), 1 << 16, () -> false);
        String prompt = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> template.render(flood, roomy));
        assertThat(prompt).hasSize(20_000 * 1000 + 19_999 * 2);
    }
}
