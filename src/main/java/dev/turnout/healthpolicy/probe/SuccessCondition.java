package dev.turnout.healthpolicy.probe;

import java.math.BigDecimal;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Prometheus check's {@code successCondition}, {@code result <op> number}, parsed (pure). */
public record SuccessCondition(Op op, double threshold, String text) {
  private static final Pattern SYNTAX =
      Pattern.compile("^\\s*result\\s*(<=|>=|==|!=|<|>)\\s*([-+]?(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)(?:[eE][-+]?[0-9]+)?)\\s*$");

  public enum Op {
    LT("<"), LE("<="), GT(">"), GE(">="), EQ("=="), NE("!=");

    final String symbol;

    Op(String symbol) {
      this.symbol = symbol;
    }

    static Op of(String symbol) {
      for (Op op : values()) {
        if (op.symbol.equals(symbol)) {
          return op;
        }
      }
      throw new IllegalArgumentException(symbol);
    }
  }

  /** Parses e.g. {@code "result < 0.05"}; throws IllegalArgumentException with a readable message otherwise. */
  public static SuccessCondition parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("successCondition is missing; write e.g. 'result < 0.05'");
    }
    Matcher m = SYNTAX.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "successCondition '" + text + "' is not of the form 'result <op> number' (op: <, <=, >, >=, ==, !=)");
    }
    Op op = Op.of(m.group(1));
    double threshold = new BigDecimal(m.group(2)).doubleValue();
    return new SuccessCondition(op, threshold, "result " + op.symbol + " " + m.group(2));
  }

  /** Whether {@code value} satisfies the condition; NaN satisfies only {@code !=}. */
  public boolean test(double value) {
    if (Double.isNaN(value)) {
      return op == Op.NE;
    }
    return switch (op) {
      case LT -> value < threshold;
      case LE -> value <= threshold;
      case GT -> value > threshold;
      case GE -> value >= threshold;
      case EQ -> value == threshold;
      case NE -> value != threshold;
    };
  }

  @Override
  public String toString() {
    return text;
  }
}
