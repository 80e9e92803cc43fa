package dev.turnout.sim;

import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.crud.AttributeType;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The CRUD mock's store (stored object's attributes to its JSON, in insertion order, as the LinkedHashMap it
 * replaces) with an index by kind (the plural), namespace and name. {@link #candidates} gives, for a query, the
 * objects whose plural, namespace and name equal the query's: a superset of those the query matches, since
 * {@link AttributeSet#matches} asks every attribute of the query (a plain one, type WITH) to be among the object's.
 * While a thread has narrowed the store to a query ({@link #narrowTo}), {@link #entrySet()} gives it that superset
 * instead of every object; every other read and write is an ordinary map's.
 *
 * <p>All methods are synchronized, as the synchronized map it replaces; entry sets are copies.
 */
final class IndexedStore extends AbstractMap<AttributeSet, String> {
  private static final String PLURAL = KubernetesAttributesExtractor.PLURAL;
  private static final String NAMESPACE = KubernetesAttributesExtractor.NAMESPACE;
  private static final String NAME = KubernetesAttributesExtractor.NAME;

  private final Map<AttributeSet, String> all = new LinkedHashMap<>();
  private final Map<String, Set<AttributeSet>> buckets = new HashMap<>();
  /** Objects without a plural (none seen so far): in every bucket's answer. */
  private final Set<AttributeSet> unindexed = new LinkedHashSet<>();
  private final ThreadLocal<AttributeSet> narrowed = new ThreadLocal<>();

  /** From now on (null: no longer) this thread's {@link #entrySet()} holds only the query's candidates. */
  void narrowTo(AttributeSet query) {
    if (query == null) {
      narrowed.remove();
    } else {
      narrowed.set(query);
    }
  }

  /** The stored objects that may match the query (all of them when the query names no plural). */
  synchronized List<Map.Entry<AttributeSet, String>> candidates(AttributeSet query) {
    String plural = plain(query, PLURAL);
    if (plural == null) {
      return copy(all.keySet());
    }
    String namespace = plain(query, NAMESPACE);
    String name = plain(query, NAME);
    String bucket;
    if (namespace != null && name != null) {
      bucket = key("pnn", plural, namespace, name);
    } else if (namespace != null) {
      bucket = key("pn", plural, namespace);
    } else if (name != null) {
      bucket = key("pname", plural, name);
    } else {
      bucket = key("p", plural);
    }
    List<Map.Entry<AttributeSet, String>> out = copy(buckets.getOrDefault(bucket, Set.of()));
    out.addAll(copy(unindexed));
    return out;
  }

  @Override
  public synchronized Set<Map.Entry<AttributeSet, String>> entrySet() {
    AttributeSet query = narrowed.get();
    List<Map.Entry<AttributeSet, String>> entries = query == null ? copy(all.keySet()) : candidates(query);
    return new AbstractSet<>() {
      @Override
      public Iterator<Map.Entry<AttributeSet, String>> iterator() {
        return entries.iterator();
      }

      @Override
      public int size() {
        return entries.size();
      }
    };
  }

  @Override
  public synchronized String get(Object key) {
    return all.get(key);
  }

  @Override
  public synchronized boolean containsKey(Object key) {
    return all.containsKey(key);
  }

  @Override
  public synchronized int size() {
    return all.size();
  }

  @Override
  public synchronized String put(AttributeSet key, String value) {
    String previous = all.put(key, value);
    if (previous == null) {
      List<String> keys = bucketsOf(key);
      if (keys.isEmpty()) {
        unindexed.add(key);
      }
      keys.forEach(b -> buckets.computeIfAbsent(b, x -> new LinkedHashSet<>()).add(key));
    }
    return previous;
  }

  @Override
  public synchronized String remove(Object key) {
    String previous = all.remove(key);
    if (previous != null) {
      AttributeSet set = (AttributeSet) key;
      unindexed.remove(set);
      for (String b : bucketsOf(set)) {
        Set<AttributeSet> bucket = buckets.get(b);
        if (bucket != null && bucket.remove(set) && bucket.isEmpty()) {
          buckets.remove(b);
        }
      }
    }
    return previous;
  }

  @Override
  public synchronized void clear() {
    all.clear();
    buckets.clear();
    unindexed.clear();
  }

  /** The buckets a stored object is in: by plural; plural and namespace; plural, namespace and name; plural and name. */
  private static List<String> bucketsOf(AttributeSet object) {
    String plural = plain(object, PLURAL);
    if (plural == null) {
      return List.of();
    }
    String namespace = plain(object, NAMESPACE);
    String name = plain(object, NAME);
    List<String> keys = new ArrayList<>(4);
    keys.add(key("p", plural));
    if (namespace != null) {
      keys.add(key("pn", plural, namespace));
    }
    if (name != null) {
      keys.add(key("pnn", plural, namespace == null ? "" : namespace, name));
      keys.add(key("pname", plural, name));
    }
    return keys;
  }

  /**
   * The single value of a plain (WITH) attribute; null when absent, of another type, or the mock's wildcard "*"
   * (which matches any value, so it cannot pick a bucket).
   */
  private static String plain(AttributeSet set, String key) {
    Attribute attribute = set.getAttribute(key);
    if (attribute == null || attribute.getType() != AttributeType.WITH || attribute.getValues().size() != 1) {
      return null;
    }
    String value = String.valueOf(attribute.getValues().get(0));
    return "*".equals(value) ? null : value;
  }

  private static String key(String... parts) {
    return String.join("\u0000", parts);
  }

  private List<Map.Entry<AttributeSet, String>> copy(Set<AttributeSet> keys) {
    List<Map.Entry<AttributeSet, String>> out = new ArrayList<>(keys.size());
    for (AttributeSet k : keys) {
      out.add(new AbstractMap.SimpleImmutableEntry<>(k, all.get(k)));
    }
    return out;
  }
}
