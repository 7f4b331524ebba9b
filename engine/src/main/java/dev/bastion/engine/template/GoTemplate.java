package dev.bastion.engine.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The part of Go's text/template that Ollama's chat TEMPLATEs use, over JSON data: actions and pipelines, fields
 * ({@code .Messages}, {@code $.Tools}, {@code .Function.Name}: a Go field matches the JSON key equal to it ignoring
 * case and underscores, so {@code .ToolCalls} reads {@code tool_calls}), variables ({@code $x := …}, {@code $x = …}),
 * {@code if}/{@code else if}/{@code else}, {@code range} (with {@code $i, $v :=}, {@code else}, {@code break} and
 * {@code continue}), {@code with}/{@code else with}, comments, the trim markers, and the functions {@code and or not eq
 * ne lt le gt ge len slice index print printf json currentDate yesterdayDate} (Ollama's {@code json}; objects and
 * arrays print as JSON, as Ollama's types' String methods do). Anything else ({@code define}, {@code template},
 * methods…) is refused when parsing. Immutable and thread-safe; every node executed is one step of the render budget,
 * and every string a function builds counts against its output cap (a variable doubled in a loop must not escape it).
 */
final class GoTemplate {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Set<String> FUNCTIONS = Set.of("and", "or", "not", "eq", "ne", "lt", "le", "gt", "ge", "len",
            "slice", "index", "print", "printf", "json", "currentDate", "yesterdayDate");
    private static final int MAX_DEPTH = RenderLimits.MAX_NESTING;
    private static final int MAX_QUOTED = 64;

    // ---- syntax tree

    private sealed interface Node {}

    private record Text(String text) implements Node {}

    private record Print(Pipeline pipeline) implements Node {}

    private record If(List<Pipeline> conditions, List<List<Node>> bodies, List<Node> otherwise) implements Node {}

    private record Range(String keyVar, String valueVar, Pipeline over, List<Node> body, List<Node> otherwise) implements Node {}

    private record With(Pipeline value, List<Node> body, List<Node> otherwise) implements Node {}

    /** {@code break} or {@code continue} of the innermost range. */
    private record LoopControl(boolean breaks) implements Node {}

    /** Unwinds to the innermost range; preallocated, since it is control flow rather than an error. */
    private static final class LoopSignal extends RuntimeException {
        static final LoopSignal BREAK = new LoopSignal(true);
        static final LoopSignal CONTINUE = new LoopSignal(false);
        final boolean breaks;

        private LoopSignal(boolean breaks) {
            super(null, null, false, false);
            this.breaks = breaks;
        }
    }

    /** A pipeline: commands joined by '|'; {@code declare}/{@code assign} name a variable it sets. */
    private record Pipeline(String declare, String assign, List<List<Term>> commands) {}

    private sealed interface Term {}

    /** {@code .A.B} on dot, {@code $x.A} on a variable ("$" is the root), or a field chain on a parenthesized pipeline. */
    private record Field(String variable, Pipeline base, List<String> path) implements Term {}

    private record Literal(JsonNode value) implements Term {}

    private record Function(String name) implements Term {}

    private record Nested(Pipeline pipeline) implements Term {}

    private final List<Node> root;

    private GoTemplate(List<Node> root) {
        this.root = root;
    }

    // ---- parsing

    /** @throws IllegalArgumentException naming the first construct outside the supported part of text/template */
    static GoTemplate parse(String source) {
        return parse(source, null);
    }

    /**
     * Like {@link #parse(String)}, refusing any field of the data outside {@code fields} ({@code .X} and {@code $.X}),
     * so that a template naming data it will never get fails when it is created rather than rendering nothing.
     */
    static GoTemplate parse(String source, Set<String> fields) {
        Parser p = new Parser(source, fields);
        return new GoTemplate(List.copyOf(p.block(0, Set.of())));
    }

    private static IllegalArgumentException unsupported(String what) {
        return new IllegalArgumentException("unsupported template construct: " + what);
    }

    /** Template text quoted in a message: control characters replaced, at most 64 characters. */
    static String quote(String text) {
        StringBuilder sb = new StringBuilder();
        text.codePoints().limit(MAX_QUOTED).forEach(c -> sb.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return text.codePointCount(0, text.length()) > MAX_QUOTED ? sb + "…" : sb.toString();
    }

    private static final class Parser {
        private final String src;
        private int pos;
        private int steps;
        private boolean trimNext;
        /** Ranges open around the block being parsed: break and continue need one. */
        private int ranges;
        /** The keyword action ("end", "else", "else if …") that ended the last block. */
        String pendingEnd;
        String pendingRest;

        /** null: any field; else the data's fields a template may name. */
        private final Set<String> fields;
        /** The action being parsed, for messages. */
        private String action;

        Parser(String src, Set<String> fields) {
            this.src = src;
            this.fields = fields;
        }

        /** Nodes up to an {@code end}/{@code else} (left in pendingEnd) or the end of the source. */
        List<Node> block(int depth, Set<String> enders) {
            return block(depth, enders, null);
        }

        /** @param opener the keyword whose block this is ("if", "range", "with"), for the message when it never ends */
        List<Node> block(int depth, Set<String> enders, String opener) {
            if (depth > MAX_DEPTH) throw unsupported("blocks nested deeper than " + MAX_DEPTH);
            List<Node> nodes = new ArrayList<>();
            pendingEnd = null;
            while (pos < src.length()) {
                int open = src.indexOf("{{", pos);
                String text = src.substring(pos, open < 0 ? src.length() : open);
                if (trimNext) text = text.stripLeading();
                trimNext = false;
                if (open < 0) {
                    if (!text.isEmpty()) nodes.add(new Text(text));
                    pos = src.length();
                    break;
                }
                if (++steps > RenderLimits.MAX_SOURCE_CHARS) throw unsupported("too many actions");
                int close = closing(open + 2);
                String inner = src.substring(open + 2, close);
                boolean trimBefore = inner.length() >= 2 && inner.charAt(0) == '-' && Character.isWhitespace(inner.charAt(1));
                boolean trimAfter = inner.length() >= 2 && inner.charAt(inner.length() - 1) == '-'
                        && Character.isWhitespace(inner.charAt(inner.length() - 2));
                String action = inner.substring(trimBefore ? 1 : 0, inner.length() - (trimAfter ? 1 : 0)).strip();
                if (trimBefore) text = text.stripTrailing();
                if (!text.isEmpty()) nodes.add(new Text(text));
                pos = close + 2;
                trimNext = trimAfter;
                if (action.startsWith("/*")) {
                    if (!action.endsWith("*/")) throw unsupported("an unclosed comment");
                    continue;
                }
                this.action = action;
                String keyword = action.split("[\\s(]", 2)[0];
                String rest = action.substring(keyword.length()).strip();
                switch (keyword) {
                    case "end", "else" -> {
                        if (!enders.contains(keyword)) {
                            throw unsupported(keyword.equals("else") ? "an else without if, range or with (or a second else)"
                                    : "an end without if, range or with");
                        }
                        pendingEnd = keyword;
                        pendingRest = rest;
                        return nodes;
                    }
                    case "if" -> nodes.add(ifNode(rest, depth));
                    case "range" -> nodes.add(rangeNode(rest, depth));
                    case "with" -> nodes.add(withNode(rest, depth));
                    case "break", "continue" -> {
                        if (ranges == 0 || !rest.isEmpty()) throw unsupported("{{ " + keyword + " }} outside a range");
                        nodes.add(new LoopControl(keyword.equals("break")));
                    }
                    case "define", "template", "block" -> throw unsupported("'{{ " + quote(action) + " }}'");
                    default -> nodes.add(new Print(pipeline(action)));
                }
            }
            if (!enders.isEmpty()) throw unsupported((opener == null ? "a block" : (opener.equals("if") ? "an " : "a ") + opener) + " without end");
            return nodes;
        }

        /** The index of the "}}" closing an action opened before {@code from}; quotes may hold braces. */
        private int closing(int from) {
            int i = from;
            while (i < src.length()) {
                char c = src.charAt(i);
                if (c == '"' || c == '`') {
                    int end = c == '`' ? src.indexOf('`', i + 1) : stringEnd(src, i);
                    if (end < 0) throw unsupported("an unclosed string");
                    i = end + 1;
                } else if (src.startsWith("}}", i)) {
                    return i;
                } else {
                    i++;
                }
            }
            throw unsupported("a '{{' that is never closed by '}}'");
        }

        private Node ifNode(String condition, int depth) {
            List<Pipeline> conditions = new ArrayList<>();
            List<List<Node>> bodies = new ArrayList<>();
            conditions.add(pipeline(condition));
            while (true) {
                bodies.add(block(depth + 1, Set.of("end", "else"), "if"));
                if (pendingEnd.equals("end")) return new If(conditions, bodies, List.of());
                if (pendingRest.startsWith("if ") || pendingRest.startsWith("if(")) {
                    conditions.add(pipeline(pendingRest.substring(2).strip()));
                    continue;
                }
                if (!pendingRest.isEmpty()) throw unsupported("{{ else " + quote(pendingRest) + " }}");
                List<Node> otherwise = block(depth + 1, Set.of("end"), "if");
                return new If(conditions, bodies, otherwise);
            }
        }

        private Node rangeNode(String spec, int depth) {
            Pipeline over = pipeline(spec);
            String key = null;
            String value = over.declare();
            if (value != null && value.contains(",")) {
                String[] vars = value.split(",");
                key = vars[0].strip();
                value = vars[1].strip();
            }
            over = new Pipeline(null, null, over.commands());
            ranges++;
            List<Node> body = block(depth + 1, Set.of("end", "else"), "range");
            ranges--;
            List<Node> otherwise = List.of();
            if (pendingEnd.equals("else")) {
                if (!pendingRest.isEmpty()) throw unsupported("{{ else " + quote(pendingRest) + " }} in a range");
                otherwise = block(depth + 1, Set.of("end"), "range");
            }
            return new Range(key, value, over, body, otherwise);
        }

        /** {@code with}, and {@code else with} as a with nested in the else branch (Go 1.23). */
        private Node withNode(String spec, int depth) {
            Pipeline value = pipeline(spec);
            List<Node> body = block(depth + 1, Set.of("end", "else"), "with");
            List<Node> otherwise = List.of();
            if (pendingEnd.equals("else")) {
                if (pendingRest.startsWith("with ") || pendingRest.startsWith("with(")) {
                    otherwise = List.of(withNode(pendingRest.substring(4).strip(), depth + 1));
                } else {
                    if (!pendingRest.isEmpty()) throw unsupported("{{ else " + quote(pendingRest) + " }} in a with");
                    otherwise = block(depth + 1, Set.of("end"), "with");
                }
            }
            return new With(value, body, otherwise);
        }

        private Pipeline pipeline(String text) {
            Lexer lx = new Lexer(text);
            Pipeline p = lx.pipeline(0);
            if (!lx.atEnd()) throw unsupported("'" + quote(text) + "'");
            if (fields != null) requireKnownFields(p);
            return p;
        }

        private void requireKnownFields(Pipeline p) {
            for (List<Term> command : p.commands()) {
                for (Term t : command) {
                    if (t instanceof Nested n) requireKnownFields(n.pipeline());
                    if (t instanceof Field f) {
                        if (f.base() != null) requireKnownFields(f.base());
                        boolean root = f.base() == null && (f.variable() == null || f.variable().equals("$"));
                        if (root && !f.path().isEmpty() && !fields.contains(f.path().getFirst())) {
                            throw unsupported("'{{ " + quote(action) + " }}'");
                        }
                    }
                }
            }
        }
    }

    /** Reads one action's pipeline. */
    private static final class Lexer {
        private final String s;
        private int i;

        Lexer(String s) {
            this.s = s;
        }

        boolean atEnd() {
            skipSpace();
            return i >= s.length();
        }

        private void skipSpace() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
        }

        Pipeline pipeline(int depth) {
            if (depth > MAX_DEPTH) throw unsupported("parentheses nested deeper than " + MAX_DEPTH);
            skipSpace();
            String declare = null;
            String assign = null;
            int mark = i;
            if (i < s.length() && s.charAt(i) == '$') {
                StringBuilder vars = new StringBuilder(variable());
                skipSpace();
                if (i < s.length() && s.charAt(i) == ',') {
                    i++;
                    skipSpace();
                    vars.append(',').append(variable());
                    skipSpace();
                }
                if (s.startsWith(":=", i)) {
                    declare = vars.toString();
                    i += 2;
                } else if (s.startsWith("=", i) && !s.startsWith("==", i)) {
                    assign = vars.toString();
                    i += 1;
                } else {
                    i = mark;
                }
            }
            List<List<Term>> commands = new ArrayList<>();
            while (true) {
                List<Term> command = new ArrayList<>();
                while (true) {
                    skipSpace();
                    if (i >= s.length() || s.charAt(i) == '|' || s.charAt(i) == ')') break;
                    command.add(term(depth));
                }
                if (command.isEmpty()) throw unsupported("an empty command in '" + quote(s) + "'");
                commands.add(command);
                if (i < s.length() && s.charAt(i) == '|') {
                    i++;
                    continue;
                }
                break;
            }
            return new Pipeline(declare, assign, commands);
        }

        private String variable() {
            int start = i++;
            while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) i++;
            return s.substring(start, i);
        }

        private List<String> fieldChain() {
            List<String> path = new ArrayList<>();
            while (i < s.length() && s.charAt(i) == '.' && i + 1 < s.length() && Character.isLetter(s.charAt(i + 1))) {
                int start = ++i;
                while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) i++;
                path.add(s.substring(start, i));
            }
            return path;
        }

        private Term term(int depth) {
            char c = s.charAt(i);
            if (c == '(') {
                i++;
                Pipeline inner = pipeline(depth + 1);
                if (i >= s.length() || s.charAt(i) != ')') throw unsupported("an unclosed '(' in '" + quote(s) + "'");
                i++;
                List<String> path = fieldChain();
                return path.isEmpty() ? new Nested(inner) : new Field(null, inner, path);
            }
            if (c == '.') {
                if (i + 1 >= s.length() || !Character.isLetter(s.charAt(i + 1))) {
                    i++;
                    return new Field(null, null, List.of());
                }
                return new Field(null, null, fieldChain());
            }
            if (c == '$') {
                String name = variable();
                return new Field(name, null, fieldChain());
            }
            if (c == '"') {
                int end = stringEnd(s, i);
                if (end < 0) throw unsupported("an unclosed string in '" + quote(s) + "'");
                String literal = s.substring(i, end + 1);
                i = end + 1;
                try {
                    return new Literal(TextNode.valueOf(JSON.readValue(literal, String.class)));
                } catch (Exception e) {
                    throw unsupported("the string " + quote(literal));
                }
            }
            if (c == '`') {
                int end = s.indexOf('`', i + 1);
                if (end < 0) throw unsupported("an unclosed raw string in '" + quote(s) + "'");
                String literal = s.substring(i + 1, end);
                i = end + 1;
                return new Literal(TextNode.valueOf(literal));
            }
            if (Character.isDigit(c) || (c == '-' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1)))) {
                int start = i++;
                while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
                if (i + 1 < s.length() && s.charAt(i) == '.' && Character.isDigit(s.charAt(i + 1))) {
                    i++;
                    while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
                    return new Literal(com.fasterxml.jackson.databind.node.DoubleNode.valueOf(Double.parseDouble(s.substring(start, i))));
                }
                try {
                    return new Literal(LongNode.valueOf(Long.parseLong(s.substring(start, i))));
                } catch (NumberFormatException e) {
                    throw unsupported("the number " + quote(s.substring(start, i)));
                }
            }
            if (Character.isLetter(c)) {
                int start = i;
                while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) i++;
                String word = s.substring(start, i);
                return switch (word) {
                    case "true" -> new Literal(BooleanNode.TRUE);
                    case "false" -> new Literal(BooleanNode.FALSE);
                    case "nil" -> new Literal(NullNode.getInstance());
                    default -> {
                        if (!FUNCTIONS.contains(word)) throw unsupported("the function '" + quote(word) + "' in '{{ " + quote(s) + " }}'");
                        yield new Function(word);
                    }
                };
            }
            throw unsupported("'{{ " + quote(s) + " }}'");
        }
    }

    /** The index of the quote closing the Go string opening at {@code start}, or -1. */
    private static int stringEnd(String s, int start) {
        int i = start + 1;
        while (i < s.length() && s.charAt(i) != '"') i += s.charAt(i) == '\\' ? 2 : 1;
        return i < s.length() ? i : -1;
    }

    // ---- Ollama's cut of the last exchange

    /**
     * This template with every node after the first {@code .Field} action argument removed, as Ollama cuts a template
     * without .Messages for the reply being generated (its {@code deleteNode}): the field itself stays; whatever
     * follows it in its block and in every enclosing block goes, also when its branch is not taken. Conditions and
     * range or with values are not searched, nor are {@code $.Field} or {@code (…).Field}, as in Ollama.
     */
    GoTemplate cutAfter(String field) {
        return new GoTemplate(cutList(root, field, new boolean[1]));
    }

    private static List<Node> cutList(List<Node> nodes, String field, boolean[] cut) {
        List<Node> out = new ArrayList<>();
        for (Node n : nodes) {
            if (cut[0]) break;
            Node kept = cutNode(n, field, cut);
            if (kept != null) out.add(kept);
        }
        return List.copyOf(out);
    }

    private static Node cutNode(Node n, String field, boolean[] cut) {
        return switch (n) {
            case Text t -> t;
            case LoopControl c -> c;
            case Print p -> {
                Pipeline kept = cutPipeline(p.pipeline(), field, cut);
                yield kept == null ? null : new Print(kept);
            }
            case If f -> {
                List<List<Node>> bodies = new ArrayList<>();
                for (List<Node> body : f.bodies()) bodies.add(cut[0] ? List.of() : cutList(body, field, cut));
                yield new If(f.conditions(), bodies, cut[0] ? List.of() : cutList(f.otherwise(), field, cut));
            }
            case With w -> {
                List<Node> body = cutList(w.body(), field, cut);
                yield new With(w.value(), body, cut[0] ? List.of() : cutList(w.otherwise(), field, cut));
            }
            case Range r -> {
                List<Node> body = cutList(r.body(), field, cut);
                yield new Range(r.keyVar(), r.valueVar(), r.over(), body, cut[0] ? List.of() : cutList(r.otherwise(), field, cut));
            }
        };
    }

    /** The pipeline with the arguments after the cut removed; null when a command is left with none. */
    private static Pipeline cutPipeline(Pipeline p, String field, boolean[] cut) {
        List<List<Term>> commands = new ArrayList<>();
        for (List<Term> command : p.commands()) {
            List<Term> args = new ArrayList<>();
            for (Term t : command) {
                if (cut[0]) continue;
                if (t instanceof Field f && f.variable() == null && f.base() == null && f.path().contains(field)) {
                    cut[0] = true;
                    args.add(t);
                } else if (t instanceof Nested nested) {
                    Pipeline inner = cutPipeline(nested.pipeline(), field, cut);
                    if (inner != null) args.add(new Nested(inner));
                } else {
                    args.add(t);
                }
            }
            if (args.isEmpty()) return null;
            commands.add(args);
        }
        return new Pipeline(p.declare(), p.assign(), commands);
    }

    // ---- execution

    /** Runs the template on {@code data} (the root, also "$"), within {@code budget}. */
    String execute(JsonNode data, RenderBudget budget) {
        StringBuilder out = new StringBuilder();
        Deque<Map<String, JsonNode>> scopes = new ArrayDeque<>();
        scopes.push(new HashMap<>(Map.of("$", data)));
        run(root, data, scopes, out, budget);
        return out.toString();
    }

    private void run(List<Node> nodes, JsonNode dot, Deque<Map<String, JsonNode>> scopes, StringBuilder out, RenderBudget budget) {
        for (Node node : nodes) {
            budget.step();
            switch (node) {
                case Text t -> out.append(t.text());
                case Print p -> {
                    JsonNode v = pipeline(p.pipeline(), dot, scopes, budget);
                    if (p.pipeline().declare() == null && p.pipeline().assign() == null) out.append(text(v));
                }
                case If f -> {
                    List<Node> chosen = f.otherwise();
                    for (int k = 0; k < f.conditions().size(); k++) {
                        if (truth(pipeline(f.conditions().get(k), dot, scopes, budget))) {
                            chosen = f.bodies().get(k);
                            break;
                        }
                    }
                    scoped(chosen, dot, scopes, out, budget, Map.of());
                }
                case With w -> {
                    JsonNode v = pipeline(w.value(), dot, scopes, budget);
                    if (truth(v)) scoped(w.body(), v, scopes, out, budget, Map.of());
                    else scoped(w.otherwise(), dot, scopes, out, budget, Map.of());
                }
                case Range r -> range(r, dot, scopes, out, budget);
                case LoopControl c -> throw c.breaks() ? LoopSignal.BREAK : LoopSignal.CONTINUE;
            }
            budget.checkOutput(out.length());
        }
    }

    private void scoped(List<Node> nodes, JsonNode dot, Deque<Map<String, JsonNode>> scopes, StringBuilder out,
                        RenderBudget budget, Map<String, JsonNode> vars) {
        scopes.push(new HashMap<>(vars));
        try {
            run(nodes, dot, scopes, out, budget);
        } finally {
            scopes.pop();
        }
    }

    private void range(Range r, JsonNode dot, Deque<Map<String, JsonNode>> scopes, StringBuilder out, RenderBudget budget) {
        JsonNode over = pipeline(r.over(), dot, scopes, budget);
        if (!truth(over) || !(over.isArray() || over.isObject())) {
            scoped(r.otherwise(), dot, scopes, out, budget, Map.of());
            return;
        }
        if (over.isArray()) {
            for (int k = 0; k < over.size(); k++) {
                budget.step();
                if (!iteration(r, over.get(k), IntNode.valueOf(k), scopes, out, budget)) return;
            }
        } else {
            // Go ranges over a map in key order
            for (String key : new java.util.TreeSet<>(iterable(over.fieldNames()))) {
                budget.step();
                if (!iteration(r, over.get(key), TextNode.valueOf(key), scopes, out, budget)) return;
            }
        }
    }

    /** One pass of a range's body; false when it ended the range with {@code break}. */
    private boolean iteration(Range r, JsonNode value, JsonNode key, Deque<Map<String, JsonNode>> scopes, StringBuilder out,
                              RenderBudget budget) {
        try {
            scoped(r.body(), value, scopes, out, budget, rangeVars(r, key, value));
            return true;
        } catch (LoopSignal signal) {
            return !signal.breaks;
        }
    }

    private static List<String> iterable(Iterator<String> it) {
        List<String> list = new ArrayList<>();
        it.forEachRemaining(list::add);
        return list;
    }

    private static Map<String, JsonNode> rangeVars(Range r, JsonNode key, JsonNode value) {
        Map<String, JsonNode> vars = new HashMap<>();
        if (r.keyVar() != null) vars.put(r.keyVar(), key);
        if (r.valueVar() != null) vars.put(r.valueVar(), value);
        return vars;
    }

    private JsonNode pipeline(Pipeline p, JsonNode dot, Deque<Map<String, JsonNode>> scopes, RenderBudget budget) {
        JsonNode value = null;
        for (int k = 0; k < p.commands().size(); k++) value = command(p.commands().get(k), k == 0 ? null : value, dot, scopes, budget);
        if (p.declare() != null) scopes.peek().put(p.declare(), value);
        if (p.assign() != null) {
            Map<String, JsonNode> scope = scopes.stream().filter(m -> m.containsKey(p.assign())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("template assigns undefined variable " + p.assign()));
            scope.put(p.assign(), value);
        }
        return value;
    }

    /** One command; {@code piped} is the previous command's value, passed as the last argument. */
    private JsonNode command(List<Term> command, JsonNode piped, JsonNode dot, Deque<Map<String, JsonNode>> scopes, RenderBudget budget) {
        budget.step();
        if (command.getFirst() instanceof Function f) {
            List<JsonNode> args = new ArrayList<>();
            for (Term t : command.subList(1, command.size())) args.add(term(t, dot, scopes, budget));
            if (piped != null) args.add(piped);
            return call(f.name(), args, budget);
        }
        if (command.size() > 1 || piped != null) throw new IllegalArgumentException("template gives arguments to a value that is not a function");
        return term(command.getFirst(), dot, scopes, budget);
    }

    private JsonNode term(Term t, JsonNode dot, Deque<Map<String, JsonNode>> scopes, RenderBudget budget) {
        return switch (t) {
            case Literal l -> l.value();
            case Nested n -> pipeline(n.pipeline(), dot, scopes, budget);
            case Function f -> call(f.name(), List.of(), budget);
            case Field f -> {
                JsonNode base;
                if (f.base() != null) base = pipeline(f.base(), dot, scopes, budget);
                else if (f.variable() == null) base = dot;
                else base = scopes.stream().filter(m -> m.containsKey(f.variable())).findFirst()
                            .orElseThrow(() -> new IllegalArgumentException("template uses undefined variable " + f.variable()))
                            .get(f.variable());
                for (String name : f.path()) base = field(base, name);
                yield base;
            }
        };
    }

    /** A Go field of JSON data: the key equal to it ignoring case and underscores ({@code ToolCalls} is {@code tool_calls}). */
    private static JsonNode field(JsonNode node, String name) {
        if (node == null || !node.isObject()) return MissingNode.getInstance();
        String wanted = normalized(name);
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (normalized(key).equals(wanted)) return node.get(key);
        }
        return MissingNode.getInstance();
    }

    private static String normalized(String key) {
        return key.replace("_", "").toLowerCase(java.util.Locale.ROOT);
    }

    private static JsonNode call(String name, List<JsonNode> args, RenderBudget budget) {
        return switch (name) {
            case "and" -> {
                JsonNode v = arg(args, 0, name);
                for (JsonNode a : args) {
                    v = a;
                    if (!truth(a)) break;
                }
                yield v;
            }
            case "or" -> {
                JsonNode v = arg(args, 0, name);
                for (JsonNode a : args) {
                    v = a;
                    if (truth(a)) break;
                }
                yield v;
            }
            case "not" -> BooleanNode.valueOf(!truth(arg(args, 0, name)));
            case "eq" -> {
                JsonNode first = arg(args, 0, name);
                boolean any = false;
                for (JsonNode a : args.subList(1, args.size())) any |= compare(first, a) == 0;
                yield BooleanNode.valueOf(any);
            }
            case "ne" -> BooleanNode.valueOf(compare(arg(args, 0, name), arg(args, 1, name)) != 0);
            case "lt" -> BooleanNode.valueOf(compare(arg(args, 0, name), arg(args, 1, name)) < 0);
            case "le" -> BooleanNode.valueOf(compare(arg(args, 0, name), arg(args, 1, name)) <= 0);
            case "gt" -> BooleanNode.valueOf(compare(arg(args, 0, name), arg(args, 1, name)) > 0);
            case "ge" -> BooleanNode.valueOf(compare(arg(args, 0, name), arg(args, 1, name)) >= 0);
            case "len" -> {
                JsonNode v = arg(args, 0, name);
                yield IntNode.valueOf(v.isTextual() ? v.asText().getBytes(StandardCharsets.UTF_8).length : v.size());
            }
            case "slice" -> slice(arg(args, 0, name), args.subList(1, args.size()));
            case "index" -> {
                JsonNode v = arg(args, 0, name);
                for (JsonNode k : args.subList(1, args.size())) v = k.isNumber() ? v.path(k.asInt()) : v.path(k.asText());
                yield v;
            }
            case "print" -> {
                // Go's Sprint: a space between operands when neither is a string
                StringBuilder sb = new StringBuilder();
                for (int k = 0; k < args.size(); k++) {
                    JsonNode a = args.get(k);
                    if (k > 0 && !a.isTextual() && !args.get(k - 1).isTextual()) sb.append(' ');
                    sb.append(text(a));
                    budget.checkOutput(sb.length());
                }
                yield TextNode.valueOf(sb.toString());
            }
            case "printf" -> TextNode.valueOf(GoFormat.sprintf(text(arg(args, 0, name)), args.subList(1, args.size()),
                    budget.maxOutputChars(), budget::outputExceeded));
            case "json" -> TextNode.valueOf(json(arg(args, 0, name)));
            case "currentDate" -> TextNode.valueOf(LocalDate.now().toString());
            case "yesterdayDate" -> TextNode.valueOf(LocalDate.now().minusDays(1).toString());
            default -> throw new IllegalArgumentException("template calls unknown function " + name);
        };
    }

    private static JsonNode arg(List<JsonNode> args, int k, String function) {
        if (args.size() <= k) throw new IllegalArgumentException("template calls " + function + " with too few arguments");
        return args.get(k);
    }

    private static JsonNode slice(JsonNode v, List<JsonNode> bounds) {
        int size = v.isTextual() ? v.asText().length() : v.size();
        int from = bounds.isEmpty() ? 0 : bounds.get(0).asInt();
        int to = bounds.size() < 2 ? size : bounds.get(1).asInt();
        if (from < 0 || to > size || from > to) throw new IllegalArgumentException("template slices out of range");
        if (v.isTextual()) return TextNode.valueOf(v.asText().substring(from, to));
        if (!v.isArray()) throw new IllegalArgumentException("template slices a value that is not a list or string");
        ArrayNode out = NODES.arrayNode();
        for (int k = from; k < to; k++) out.add(v.get(k));
        return out;
    }

    private static int compare(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) return Double.compare(a.asDouble(), b.asDouble());
        if (a.isBoolean() && b.isBoolean()) return Boolean.compare(a.asBoolean(), b.asBoolean());
        return text(a).compareTo(text(b));
    }

    /** Go's truth: false, 0, nil and empty strings, lists and maps are false. */
    private static boolean truth(JsonNode v) {
        if (v == null || v.isMissingNode() || v.isNull()) return false;
        if (v.isBoolean()) return v.asBoolean();
        if (v.isNumber()) return v.asDouble() != 0;
        if (v.isTextual()) return !v.asText().isEmpty();
        return !v.isEmpty();
    }

    /** How a value prints: text as is, objects and arrays as compact JSON, nothing for a missing value. */
    static String text(JsonNode v) {
        if (v == null || v.isMissingNode() || v.isNull()) return "";
        if (v.isValueNode()) return v.asText();
        return json(v);
    }

    private static String json(JsonNode v) {
        try {
            return JSON.writeValueAsString(v);
        } catch (Exception e) {
            throw new IllegalArgumentException("template value cannot be written as JSON");
        }
    }
}
