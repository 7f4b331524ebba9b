package dev.bastion.credits;

import java.math.BigDecimal;

/**
 * The share of a charge that goes to the network ({@link Accounts#NETWORK}) when the owner of the serving node earns it:
 * a whole number of basis points, 0 to 10,000 (100%). The fee is rounded down and the owner gets the rest, so the two
 * always add up to the charge and no credit is lost to rounding.
 */
public record NetworkFee(int basisPoints) {

    /** What applies while no admin has set a fee. */
    public static final NetworkFee DEFAULT = new NetworkFee(1_000);

    public NetworkFee {
        if (basisPoints < 0 || basisPoints > 10_000) {
            throw new IllegalArgumentException("the network fee must be between 0% and 100%");
        }
    }

    /** A percentage with at most two decimals ({@code 10}, {@code 12.5}, {@code 0.25}, an optional {@code %}). */
    public static NetworkFee parsePercent(String text) {
        String value = text == null ? "" : text.trim();
        if (value.endsWith("%")) value = value.substring(0, value.length() - 1).trim();
        // digits only: no exponent, sign or spaces, so nothing surprising reaches BigDecimal
        if (!value.matches("[0-9]{1,3}(\\.[0-9]{1,2})?")) {
            throw new IllegalArgumentException("the network fee must be a percentage from 0 to 100 with at most two decimals, e.g. 10 or 12.5");
        }
        BigDecimal points = new BigDecimal(value).movePointRight(2);
        if (points.compareTo(BigDecimal.valueOf(10_000)) > 0) {
            throw new IllegalArgumentException("the network fee must be between 0% and 100%");
        }
        return new NetworkFee(points.intValueExact());
    }

    /** The fee on {@code charge}: floor(charge × basis points / 10,000), without overflow for any charge. */
    public long feeOn(long charge) {
        if (charge < 0) throw new IllegalArgumentException("a charge cannot be negative");
        return charge / 10_000 * basisPoints + charge % 10_000 * basisPoints / 10_000;
    }

    /** What the owner earns on {@code charge}: the rest after the fee. */
    public long earningsOn(long charge) {
        return charge - feeOn(charge);
    }

    /** {@code 12.5%}, {@code 10%}, {@code 0.25%}. */
    public String percent() {
        return BigDecimal.valueOf(basisPoints, 2).stripTrailingZeros().toPlainString() + "%";
    }
}
