package dev.bastion.web.files;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bastion.web.WebServerFixture;
import dev.bastion.web.WebServerFixture.Part;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static dev.bastion.web.WebServerFixture.JSON;
import static org.assertj.core.api.Assertions.assertThat;

/** Uploads through the real server with a hostile corpus; small limits: 64 KiB a file, 200 KiB a workspace. */
class FilesApiTest {

    static final long MAX_FILE = 64 * 1024;
    static final long QUOTA = 200 * 1024;
    static final String PATH = FilesModule.PATH;

    @TempDir
    Path home;
    @TempDir
    Path scratch;
    WebServerFixture web;
    Path workspace;

    @BeforeEach
    void start() throws Exception {
        web = new WebServerFixture(home, scratch, new Uploads.Limits(MAX_FILE, 10, QUOTA, 64 * 1024));
        workspace = home.resolve("workspaces").resolve("alice");
    }

    @AfterEach
    void stop() {
        if (web != null) web.close();
    }

    /** Every regular file under the home, relative, but the databases and the model store's. */
    List<String> filesUnderHome() throws Exception {
        try (Stream<Path> all = Files.walk(home)) {
            return all.filter(Files::isRegularFile).map(p -> home.relativize(p).toString())
                    .filter(p -> p.startsWith("workspaces/") || !p.contains("/")).filter(p -> !p.startsWith("bastion.db") && !p.endsWith(".log")
                            && !p.endsWith(".key") && !p.startsWith("audit")).sorted().toList();
        }
    }

    @Test
    void hostileNamesAreRefusedAndNothingIsWrittenAnywhere() throws Exception {
        List<String> before = filesUnderHome();
        String[] names = {"../x", "..\\x", "/etc/passwd", "../../etc/cron.d/x", "%2e%2e/x", "a\u0000b.txt", "evil\u202Etxt.exe",
                "zero\u200Bwidth.txt", "CON", "con.txt", "LPT1.log", "a".repeat(300), ".hidden", "..", ".", "trailing.",
                "a:b.txt", "new\nline.txt", "q?.txt", "star*.txt", ""};
        for (String name : names) {
            HttpResponse<String> r;
            try {
                r = web.upload(web.aliceKey, List.of(new Part(name, "hello".getBytes(StandardCharsets.UTF_8))));
            } catch (java.io.IOException e) {
                throw new AssertionError("no answer for " + name.codePoints().mapToObj(Integer::toHexString).toList(), e);
            }
            assertThat(r.statusCode()).as("%s -> %s", name, r.body()).isEqualTo(400);
            assertThat(r.body()).doesNotContain(home.toString());
        }
        assertThat(filesUnderHome()).isEqualTo(before);
        assertThat(Files.readString(web.security.audit().file())).contains("\"web.file.upload\"", "\"denied\"")
                .doesNotContain("passwd").doesNotContain("evil");
        assertThat(web.ok(web.send("GET", PATH, web.aliceKey, null), 200).get("files")).isEmpty();

        // taken literally, never decoded: a name, not a path
        JsonNode literal = web.ok(web.upload(web.aliceKey, "%2e%2e%2fx.txt", "hi"), 201).get("files").get(0);
        assertThat(literal.get("name").asText()).isEqualTo("%2e%2e%2fx.txt");
        assertThat(workspace.resolve("%2e%2e%2fx.txt")).hasContent("hi");
    }

    @Test
    void onlyTextAndReadablePdfsAreAcceptedAndDownloadsNeverRenderAsPages() throws Exception {
        byte[] html = "<html><body><script>window.pwned=1</script><svg onload=alert(1)></svg></body></html>".getBytes(StandardCharsets.UTF_8);
        String id = web.uploadedId(web.aliceKey, "page.txt", html);
        HttpResponse<byte[]> served = web.download(PATH + "/" + id, web.aliceKey);
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.body()).isEqualTo(html);
        assertThat(served.headers().firstValue("Content-Type").orElseThrow().replace(" ", "")).isEqualTo("text/plain;charset=utf-8");
        assertThat(served.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(served.headers().firstValue("Content-Disposition").orElseThrow()).startsWith("attachment;").contains("page.txt");

        // an HTML file is text too, and served as text: named .html, still never text/html
        String named = web.uploadedId(web.aliceKey, "x.html", html);
        assertThat(web.download(PATH + "/" + named, web.aliceKey).headers().firstValue("Content-Type").orElseThrow()
                .replace(" ", "")).isEqualTo("text/plain;charset=utf-8");

        // a PDF header in front of HTML and script is no PDF
        HttpResponse<String> fake = web.upload(web.aliceKey, List.of(new Part("polyglot.pdf",
                concat("%PDF-1.7\n".getBytes(StandardCharsets.US_ASCII), html))));
        assertThat(fake.statusCode()).as(fake.body()).isEqualTo(415);
        // a real PDF with HTML after it is kept, and only ever downloaded as bytes
        byte[] polyglot = concat(pdf(), html);
        String pdfId = web.uploadedId(web.aliceKey, "polyglot.pdf", polyglot);
        HttpResponse<byte[]> pdfServed = web.download(PATH + "/" + pdfId, web.aliceKey);
        assertThat(pdfServed.headers().firstValue("Content-Type").orElseThrow()).isEqualTo("application/octet-stream");
        assertThat(pdfServed.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(pdfServed.headers().firstValue("Content-Disposition").orElseThrow()).startsWith("attachment;");

        byte[][] refused = {
                {'P', 'K', 3, 4, 20, 0, 0, 0}, // zip (and every archive): refused, not unpacked
                {0x1f, (byte) 0x8b, 8, 0, 0, 0}, // gzip
                {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, // png
                {0x7f, 'E', 'L', 'F', 2, 1, 1, 0}, // a program
                {'M', 'Z', (byte) 0x90, 0}, // a Windows program
                {'a', 'b', (byte) 0xff, (byte) 0xfe}, // not UTF-8
                {'t', 'e', 'x', 't', 0, 'x'}, // NUL: binary
        };
        for (byte[] content : refused) {
            HttpResponse<String> r = web.upload(web.aliceKey, List.of(new Part("file.txt", content)));
            assertThat(r.statusCode()).as(Arrays.toString(content)).isEqualTo(415);
        }
        HttpResponse<String> empty = web.upload(web.aliceKey, List.of(new Part("empty.txt", new byte[0])));
        assertThat(empty.statusCode()).isEqualTo(400);
        assertThat(empty.body()).contains("empty");
        try (Stream<Path> kept = Files.list(workspace)) {
            assertThat(kept.map(p -> p.getFileName().toString()).sorted()).containsExactly("page.txt", "polyglot.pdf", "x.html");
        }
    }

    @Test
    void filesAreStoredOwnerOnlyAndATakenNameIsNeverOverwritten() throws Exception {
        web.uploadedId(web.aliceKey, "notes.txt", "first".getBytes(StandardCharsets.UTF_8));
        JsonNode second = web.ok(web.upload(web.aliceKey, "notes.txt", "second"), 201).get("files").get(0);
        assertThat(second.get("name").asText()).isEqualTo("notes (2).txt");
        assertThat(workspace.resolve("notes.txt")).hasContent("first");
        assertThat(workspace.resolve("notes (2).txt")).hasContent("second");
        assertThat(Files.getPosixFilePermissions(workspace.resolve("notes.txt"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        try (Stream<Path> left = Files.list(workspace)) {
            assertThat(left.filter(p -> p.getFileName().toString().startsWith("."))).as("no temporary file left").isEmpty();
        }

        // bob's notes.txt is his own file in his own workspace
        web.uploadedId(web.bobKey, "notes.txt", "bob's".getBytes(StandardCharsets.UTF_8));
        assertThat(workspace.resolve("notes.txt")).hasContent("first");
        assertThat(home.resolve("workspaces/bob/notes.txt")).hasContent("bob's");
    }

    @Test
    void sizeCountAndQuotaLimitsHoldAlsoWhenUploadsRace() throws Exception {
        byte[] tooBig = filler(MAX_FILE + 1);
        assertThat(web.upload(web.aliceKey, List.of(new Part("big.txt", tooBig))).statusCode()).isEqualTo(413);
        List<Part> eleven = new ArrayList<>();
        for (int i = 0; i < 11; i++) eleven.add(new Part("f" + i + ".txt", "x".getBytes(StandardCharsets.UTF_8)));
        HttpResponse<String> many = web.upload(web.aliceKey, eleven);
        assertThat(many.statusCode()).isEqualTo(400);
        assertThat(many.body()).contains("at most 10 files");
        assertThat(web.ok(web.send("GET", PATH, web.aliceKey, null), 200).get("files")).isEmpty();

        // 8 uploads of 60 KiB at once against a 200 KiB quota: exactly 3 fit
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                int n = i;
                Callable<Integer> upload = () -> web.upload(web.aliceKey, List.of(new Part("part" + n + ".txt", filler(60 * 1024)))).statusCode();
                results.add(pool.submit(upload));
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> f : results) statuses.add(f.get());
            assertThat(statuses).filteredOn(s -> s == 201).hasSize(3);
            assertThat(statuses).filteredOn(s -> s == 413).hasSize(5);
        } finally {
            pool.shutdownNow();
        }
        long used;
        try (Stream<Path> files = Files.list(workspace)) {
            used = files.mapToLong(p -> p.toFile().length()).sum();
        }
        assertThat(used).isEqualTo(3 * 60 * 1024).isLessThanOrEqualTo(QUOTA);
        HttpResponse<String> over = web.upload(web.aliceKey, List.of(new Part("one-more.txt", filler(60 * 1024))));
        assertThat(over.statusCode()).isEqualTo(413);
        assertThat(over.body()).contains("quota");
    }

    @Test
    void anotherUsersFileIdAnswersLikeAMissingOne() throws Exception {
        String id = web.uploadedId(web.aliceKey, "private.txt", "alice's diary".getBytes(StandardCharsets.UTF_8));
        String missing = UUID.randomUUID().toString();
        for (String method : new String[]{"GET", "DELETE"}) {
            HttpResponse<String> theirs = web.send(method, PATH + "/" + id, web.bobKey, null);
            HttpResponse<String> none = web.send(method, PATH + "/" + missing, web.bobKey, null);
            assertThat(theirs.statusCode()).as(method).isEqualTo(404);
            assertThat(JSON.readTree(theirs.body()).get("error")).isEqualTo(JSON.readTree(none.body()).get("error"));
            assertThat(theirs.body()).doesNotContain("diary");
        }
        assertThat(web.ok(web.send("GET", PATH, web.bobKey, null), 200).get("files")).isEmpty();
        assertThat(web.ok(web.send("GET", PATH, web.aliceKey, null), 200).get("files")).hasSize(1);
        assertThat(workspace.resolve("private.txt")).hasContent("alice's diary");

        assertThat(web.send("DELETE", PATH + "/" + id, web.aliceKey, null).statusCode()).isEqualTo(204);
        String audit = Files.readString(web.security.audit().file());
        assertThat(audit).contains("\"web.file.upload\"", "\"web.file.delete\"", id).doesNotContain("private.txt");
        assertThat(workspace.resolve("private.txt")).doesNotExist();
        assertThat(web.send("GET", PATH + "/" + id, web.aliceKey, null).statusCode()).isEqualTo(404);
    }

    static byte[] filler(long size) {
        byte[] b = new byte[(int) size];
        Arrays.fill(b, (byte) 'a');
        return b;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static byte[] pdf() throws Exception {
        try (PDDocument document = new PDDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            document.addPage(new PDPage());
            document.save(out);
            return out.toByteArray();
        }
    }
}
