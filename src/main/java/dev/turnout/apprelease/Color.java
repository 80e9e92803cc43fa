package dev.turnout.apprelease;

/** The two tracks of a blue-green release. */
public enum Color {
  blue,
  green;

  public String label() {
    return name();
  }

  public Color other() {
    return this == blue ? green : blue;
  }

  public static Color parse(String s) {
    if (s == null || s.isBlank()) {
      return null;
    }
    return Color.valueOf(s);
  }
}
