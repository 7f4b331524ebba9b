package dev.bastion.cluster.pki;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real TLS server on loopback with a node's identity: answers each line with the peer's node name, re-verified per
 * line as a node port does per request.
 */
final class TlsEchoServer implements AutoCloseable {

    private final SSLServerSocket socket;
    private final FileClusterIdentity identity;
    final List<String> accepted = new CopyOnWriteArrayList<>();
    final List<String> refused = new CopyOnWriteArrayList<>();

    TlsEchoServer(FileClusterIdentity identity, SSLParameters parameters) throws IOException {
        this.identity = identity;
        this.socket = (SSLServerSocket) identity.sslContext().getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        if (parameters != null) {
            socket.setSSLParameters(parameters);
        }
        Thread.ofVirtual().start(this::serve);
    }

    int port() {
        return socket.getLocalPort();
    }

    private void serve() {
        while (!socket.isClosed()) {
            try {
                SSLSocket client = (SSLSocket) socket.accept();
                Thread.ofVirtual().start(() -> answer(client));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void answer(SSLSocket client) {
        try (client) {
            client.setSoTimeout(5000);
            client.startHandshake();
            BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
            Writer out = new OutputStreamWriter(client.getOutputStream(), StandardCharsets.UTF_8);
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String peer;
                try {
                    peer = identity.verifyPeer(client.getSession());
                } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                    refused.add(e.getMessage());
                    out.write("refused: " + e.getMessage() + "\n");
                    out.flush();
                    return;
                }
                accepted.add(peer);
                out.write("hello " + peer + " from " + identity.nodeName() + " (" + line + ")\n");
                out.flush();
            }
        } catch (IOException e) {
            refused.add(String.valueOf(e.getMessage()));
        }
    }

    /** Connects, says one line and returns the answer; any refusal surfaces as an IOException. */
    static String exchange(SSLContext context, SSLParameters parameters, int port) throws IOException {
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
            if (parameters != null) {
                socket.setSSLParameters(parameters);
            }
            socket.setSoTimeout(5000);
            socket.startHandshake();
            Writer out = new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8);
            out.write("hi\n");
            out.flush();
            String answer = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8)).readLine();
            if (answer == null) {
                throw new IOException("connection closed without an answer");
            }
            return answer;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
