package dev.bastion.api.security;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.util.Locale;

/**
 * Jetty's own error responses (requests it rejects before Javalin sees them: malformed request line, headers too
 * large, ambiguous paths, bad Host) in the API's JSON shape. Only the status's reason phrase is told, never Jetty's
 * message, the cause or the server's name.
 */
final class JsonErrorHandler extends ErrorHandler {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(body(code, pathOf(request))), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        return ByteBuffer.wrap(body(status, null));
    }

    private static byte[] body(int status, String path) {
        String message = HttpStatus.getMessage(status).toLowerCase(Locale.ROOT);
        String type = status >= 500 ? "server_error" : "invalid_request_error";
        try {
            return JSON.writeValueAsBytes(ErrorResponses.body(path, message, type, null, null, null));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The request's path if it could be parsed (it picks the error dialect); null otherwise. */
    private static String pathOf(Request request) {
        try {
            return request.getHttpURI().getPath();
        } catch (RuntimeException unparseable) {
            return null;
        }
    }
}
