package dev.marketplace.catalog;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The category tree, read once at start: it is defined by the migrations and small (tens of
 * rows), so names for facets and the tree for clients come from memory.
 */
final class Categories {
  private final Map<Integer, String> names;
  private final Map<Integer, String> englishNames;
  private final Map<Integer, Integer[]> subtrees;
  private final Map<Integer, int[]> ancestors;
  private final JsonArray tree;

  private Categories(Map<Integer, String> names, Map<Integer, String> englishNames, Map<Integer, Integer[]> subtrees,
                     Map<Integer, int[]> ancestors, JsonArray tree) {
    this.names = names;
    this.englishNames = englishNames;
    this.subtrees = subtrees;
    this.ancestors = ancestors;
    this.tree = tree;
  }

  static Future<Categories> load(Pool pool) {
    return pool.query("SELECT id, parent_id, slug, name, name_en, path FROM catalog.categories ORDER BY path").execute().map(rows -> {
      Map<Integer, String> names = new HashMap<>();
      Map<Integer, String> englishNames = new HashMap<>();
      Map<Integer, String> paths = new HashMap<>();
      Map<Integer, JsonObject> nodes = new LinkedHashMap<>();
      JsonArray roots = new JsonArray();
      for (Row row : rows) {
        int id = row.getInteger("id");
        names.put(id, row.getString("name"));
        englishNames.put(id, row.getString("name_en"));
        paths.put(id, row.getString("path"));
        JsonObject node = new JsonObject().put("id", id).put("slug", row.getString("slug"))
          .put("name", row.getString("name")).put("name_en", row.getString("name_en")).put("children", new JsonArray());
        nodes.put(id, node);
        Integer parent = row.getInteger("parent_id");
        // ordered by path: a parent always comes before its children
        if (parent == null) {
          roots.add(node);
        } else {
          nodes.get(parent).getJsonArray("children").add(node);
        }
      }
      Map<Integer, Integer[]> subtrees = new HashMap<>();
      paths.forEach((id, path) -> subtrees.put(id, paths.entrySet().stream()
        .filter(e -> e.getValue().startsWith(path)).map(Map.Entry::getKey).sorted().toArray(Integer[]::new)));
      Map<Integer, int[]> ancestors = new HashMap<>();
      // '/1/11/111/' → [1, 11, 111]: the category and every category above it
      paths.forEach((id, path) -> ancestors.put(id, java.util.Arrays.stream(path.split("/"))
        .filter(part -> !part.isEmpty()).mapToInt(Integer::parseInt).toArray()));
      return new Categories(names, englishNames, subtrees, ancestors, roots);
    });
  }

  boolean exists(int id) {
    return names.containsKey(id);
  }

  /** The category and every category under it; empty for an unknown id. */
  Integer[] subtree(int id) {
    return subtrees.getOrDefault(id, new Integer[0]);
  }

  String name(int id) {
    return names.get(id);
  }

  String englishName(int id) {
    return englishNames.get(id);
  }

  /** The category and its ancestors, root first; empty for an unknown id. */
  int[] selfAndAncestors(int id) {
    return ancestors.getOrDefault(id, new int[0]);
  }

  List<Integer> ids() {
    return new ArrayList<>(names.keySet());
  }

  JsonObject treeJson() {
    return new JsonObject().put("categories", tree.copy());
  }
}
