package dev.turnout.sim;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.crud.CrudDispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import java.lang.reflect.Field;
import java.util.Map;
import java.util.function.Supplier;

/**
 * fabric8's CRUD dispatcher (kubernetes-server-mock 7.4.0) with its store indexed, so that a request costs what its
 * answer costs and not what the whole store costs. The mock finds an object by testing every stored object's
 * attributes against the request's (for a GET it first copies the whole store), all on the server's one event-loop
 * thread: with 1,000 releases (about 20,000 objects) each request took milliseconds, and the simulator, whose every
 * step is a few requests, made about one pod a second (docs/performance.md, "Scale").
 *
 * <p>Nothing else changes: the same dispatcher code answers, the same attributes are matched in the same order; it
 * is only handed the objects of the request's kind (and namespace, and name) instead of all of them, a superset of
 * those that can match (see {@link IndexedStore}). Pre-recorded expectations (KubernetesMixedDispatcher's other
 * half) are not served: nothing on the embedded cluster records any.
 */
final class IndexedCrudDispatcher extends KubernetesCrudDispatcher {
  private final IndexedStore store = new IndexedStore();

  IndexedCrudDispatcher() {
    try {
      // CrudDispatcher.map is a protected final field, read by every method of KubernetesCrudDispatcher
      Field map = CrudDispatcher.class.getDeclaredField("map");
      map.setAccessible(true);
      map.set(this, store);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("kubernetes-server-mock changed: cannot index its store", e);
    }
  }

  /** A GET (or a watch's start) reads the store through the request's bucket. */
  @Override
  public MockResponse handleGet(String path) {
    return narrowed(path, () -> super.handleGet(path));
  }

  @Override
  public MockResponse handleDelete(String path) {
    return narrowed(path, () -> super.handleDelete(path));
  }

  /** Creates, updates and patches look their object up here (PostHandler, PutHandler, PatchHandler). */
  @Override
  public Map.Entry<AttributeSet, String> findResource(AttributeSet query) {
    for (Map.Entry<AttributeSet, String> entry : store.candidates(query)) {
      if (entry.getKey().matches(query)) {
        return entry;
      }
    }
    return null;
  }

  private MockResponse narrowed(String path, Supplier<MockResponse> dispatch) {
    store.narrowTo(getKey(path));
    try {
      return dispatch.get();
    } finally {
      store.narrowTo(null);
    }
  }
}
