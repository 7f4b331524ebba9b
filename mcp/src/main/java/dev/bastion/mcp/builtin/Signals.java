package dev.bastion.mcp.builtin;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** {@code kill(2)} through the FFM API: Java's ProcessHandle cannot signal a process group. */
final class Signals {

    static final int SIGKILL = 9;
    private static final MethodHandle KILL = lookup();

    private Signals() {
    }

    static boolean available() {
        return KILL != null;
    }

    /** Sends SIGKILL to every process of group {@code pgid}; false if there was none (or no native access). */
    static boolean killGroup(long pgid) {
        return pgid > 1 && kill(-(int) pgid);
    }

    static boolean killProcess(long pid) {
        return pid > 1 && kill((int) pid);
    }

    private static boolean kill(int target) {
        if (KILL == null) return false;
        try {
            return (int) KILL.invokeExact(target, SIGKILL) == 0;
        } catch (Throwable e) {
            return false;
        }
    }

    private static MethodHandle lookup() {
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("kill").map(address -> linker.downcallHandle(address,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT))).orElse(null);
        } catch (RuntimeException | Error unavailable) {
            return null;
        }
    }
}
