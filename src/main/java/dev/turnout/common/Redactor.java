package dev.turnout.common;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks secrets in text that reaches logs, Events and status. mongodump/mongorestore echo the connection string with
 * its password on authentication errors, sometimes the password alone, decoded or still URL-encoded; so the agent masks
 * every form of each secret it was given (a connection string's password raw, URL-decoded and URL-encoded,
 * JSON-escaped, with or without the URI around it; the S3 keys whole), and everything, agent or operator, masks the password part of any URI. The operator does not know
 * the passwords: it relies on the URI pattern, and on the agent having masked its own output.
 *
 * <p>Secrets shorter than {@value #MIN_SECRET_LENGTH} characters are masked only inside URIs: replacing every "ab" in
 * a log would make it unreadable, and such a password is no secret anyway.
 */
public final class Redactor {
  public static final String MASK = "***";
  static final int MIN_SECRET_LENGTH = 4;
  /** scheme://user:password@ or scheme://token@ (up to the last @ before the path: passwords may hold a raw @). */
  private static final Pattern URI_USERINFO = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://)([^\\s/@:]*)(:[^\\s/]*)?@");

  private final List<String> secrets;

  private Redactor(Collection<String> secrets) {
    Set<String> forms = new LinkedHashSet<>();
    for (String s : secrets) {
      if (s == null || s.isEmpty()) {
        continue;
      }
      // a connection string: its password in every form (the rest of the URI, hosts and options, stays readable);
      // anything else (a key, a URI without password) as a whole
      password(s).ifPresentOrElse(p -> addForms(forms, p), () -> addForms(forms, s));
    }
    List<String> sorted = new ArrayList<>(forms);
    sorted.removeIf(f -> f.length() < MIN_SECRET_LENGTH);
    sorted.sort(Comparator.comparingInt(String::length).reversed()); // an encoded form before the raw one it contains
    this.secrets = List.copyOf(sorted);
  }

  /** A redactor for these secret values (connection strings, keys, passwords). */
  public static Redactor of(Collection<String> secrets) {
    return new Redactor(secrets);
  }

  /** The agent's secrets, from its environment: MONGODB_URI, AWS_SECRET_ACCESS_KEY, AWS_ACCESS_KEY_ID. */
  public static Redactor forAgentEnv(Map<String, String> env) {
    List<String> s = new ArrayList<>();
    for (String k : List.of("MONGODB_URI", "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID")) {
      String v = env.get(k);
      if (v != null && !v.isBlank()) {
        s.add(v.trim());
      }
    }
    return of(s);
  }

  /** The text with every known secret and every URI password masked. */
  public String redact(String text) {
    if (text == null) {
      return null;
    }
    String out = text;
    for (String s : secrets) {
      out = out.replace(s, MASK);
    }
    return uriCredentials(out);
  }

  /** Masks the password (or a lone token) of every {@code scheme://userinfo@} in the text. */
  public static String uriCredentials(String text) {
    if (text == null || !text.contains("@")) {
      return text;
    }
    Matcher m = URI_USERINFO.matcher(text);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String user = m.group(2);
      String replacement = m.group(3) == null ? m.group(1) + MASK + "@" : m.group(1) + user + ":" + MASK + "@";
      m.appendReplacement(sb, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  /** A PrintStream that redacts each line before it reaches {@code out} (a partial line waits for its end or flush). */
  public PrintStream wrap(PrintStream out) {
    return new PrintStream(new LineRedactingStream(out), true, StandardCharsets.UTF_8);
  }

  private static void addForms(Set<String> forms, String s) {
    forms.add(s);
    forms.add(URLEncoder.encode(s, StandardCharsets.UTF_8));
    forms.add(URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20"));
    try {
      forms.add(URLDecoder.decode(s, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      // not URL-encoded
    }
    forms.add(s.replace("\\", "\\\\").replace("\"", "\\\"")); // as it appears inside a JSON string
  }

  /** The password of a URI's userinfo (as written, still URL-encoded), if it has one. */
  static java.util.Optional<String> password(String uri) {
    int scheme = uri.indexOf("://");
    if (scheme < 0) {
      return java.util.Optional.empty();
    }
    String rest = uri.substring(scheme + 3);
    int slash = rest.indexOf('/');
    String authority = slash < 0 ? rest : rest.substring(0, slash);
    int at = authority.lastIndexOf('@');
    if (at < 0) {
      return java.util.Optional.empty();
    }
    String userinfo = authority.substring(0, at);
    int colon = userinfo.indexOf(':');
    return colon < 0 ? java.util.Optional.empty() : java.util.Optional.of(userinfo.substring(colon + 1));
  }

  private final class LineRedactingStream extends OutputStream {
    private final PrintStream out;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    LineRedactingStream(PrintStream out) {
      this.out = out;
    }

    @Override
    public synchronized void write(int b) {
      line.write(b);
      if (b == '\n') {
        emit();
      }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      for (int i = off; i < off + len; i++) {
        write(b[i]);
      }
    }

    @Override
    public synchronized void flush() {
      // a partial line is flushed as it stands only on close: a secret may still be on its way
      out.flush();
    }

    @Override
    public synchronized void close() {
      emit();
      out.flush();
    }

    private void emit() {
      if (line.size() == 0) {
        return;
      }
      out.print(redact(line.toString(StandardCharsets.UTF_8)));
      out.flush();
      line.reset();
    }
  }
}
