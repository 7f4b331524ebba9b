package dev.bastion.engine.tensor;

import java.util.List;

/**
 * Several matrices with the same column count seen as one, rows one after another (q, k, v or gate, up). One
 * product over the stack is one parallel job instead of several, which halves the decode loop's synchronization.
 */
public final class StackedMatrix implements Matrix {

    private final Matrix[] parts;
    /** firstRow[i] is the first stacked row of parts[i]; firstRow[parts.length] is the total. */
    private final int[] firstRow;
    private final int cols;

    public StackedMatrix(List<Matrix> parts) {
        if (parts.isEmpty()) throw new IllegalArgumentException("a stacked matrix needs at least one part");
        this.parts = parts.toArray(Matrix[]::new);
        this.cols = this.parts[0].cols();
        this.firstRow = new int[this.parts.length + 1];
        for (int i = 0; i < this.parts.length; i++) {
            if (this.parts[i].cols() != cols) {
                throw new IllegalArgumentException("stacked matrices need equal column counts, got " + cols + " and " + this.parts[i].cols());
            }
            firstRow[i + 1] = Math.addExact(firstRow[i], this.parts[i].rows());
        }
    }

    @Override
    public int rows() {
        return firstRow[parts.length];
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public float dotRow(int row, float[] x) {
        int part = partOf(row);
        return parts[part].dotRow(row - firstRow[part], x);
    }

    @Override
    public void dotRow4(int row, float[][] xs, int t0, float[][] outs, int outRow) {
        int part = partOf(row);
        parts[part].dotRow4(row - firstRow[part], xs, t0, outs, outRow);
    }

    /** Each part computes its own rows with its own kernel, written at their stacked position. */
    @Override
    public void matMulRows(int from, int to, float[][] xs, int count, float[][] outs, int outShift) {
        checkRange(from, to);
        for (int part = 0; part < parts.length; part++) {
            int lo = Math.max(from, firstRow[part]), hi = Math.min(to, firstRow[part + 1]);
            if (lo < hi) parts[part].matMulRows(lo - firstRow[part], hi - firstRow[part], xs, count, outs, outShift + firstRow[part]);
        }
    }

    @Override
    public void matVecRows(int from, int to, float[] x, float[] out, int outShift) {
        checkRange(from, to);
        for (int part = 0; part < parts.length; part++) {
            int lo = Math.max(from, firstRow[part]), hi = Math.min(to, firstRow[part + 1]);
            if (lo < hi) parts[part].matVecRows(lo - firstRow[part], hi - firstRow[part], x, out, outShift + firstRow[part]);
        }
    }

    private void checkRange(int from, int to) {
        if (from < 0 || to > rows() || from > to) throw new IndexOutOfBoundsException("rows " + from + ".." + to + " of " + rows());
    }

    @Override
    public void copyRow(int row, float[] out) {
        int part = partOf(row);
        parts[part].copyRow(row - firstRow[part], out);
    }

    private int partOf(int row) {
        if (row < 0 || row >= rows()) throw new IndexOutOfBoundsException("row " + row + " of " + rows());
        int part = 0;
        while (row >= firstRow[part + 1]) part++;
        return part;
    }
}
