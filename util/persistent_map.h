// PersistentMap: an ordered map whose copies share structure, so that
// copying one is O(1) and changing the copy costs O(log n), however large
// the map is.
//
// It is a treap of immutable-once-shared nodes. A copy shares the root;
// a change copies only the nodes on the path to the key it touches (the
// nodes the map created since it was last copied are changed in place).
// That is what lets the ledger stage a deal's next state from the live one
// per batch without the cost of the deal's whole history (see
// domain/deal_state.h).
//
// Reading mirrors std::map's const interface (find, at, contains, count,
// lower_bound, upper_bound, ordered iteration over pair<const K, V>);
// changing goes through Mutable, TryEmplace, FindMutable and Erase, which
// return pointers valid until the map is next changed or copied.
//
// Thread-safety: const methods may run concurrently, also on copies that
// share nodes (a change never writes a node another map can reach).
// Changing one map while reading the same map is a data race, as with any
// container.
#ifndef PACTLOG_UTIL_PERSISTENT_MAP_H_
#define PACTLOG_UTIL_PERSISTENT_MAP_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/hash/hash.h"

namespace pactlog::util {

template <typename K, typename V, typename Compare = std::less<>>
class PersistentMap {
  struct Node;
  using NodePtr = std::shared_ptr<Node>;

 public:
  using key_type = K;
  using mapped_type = V;
  using value_type = std::pair<const K, V>;
  using size_type = size_t;

  // In key order. Stays valid while the map it came from is not changed
  // (a copy of the map keeps the nodes alive, the map itself must stay).
  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = PersistentMap::value_type;
    using difference_type = std::ptrdiff_t;
    using pointer = const value_type*;
    using reference = const value_type&;

    const_iterator() = default;
    reference operator*() const { return path_.back()->entry; }
    pointer operator->() const { return &path_.back()->entry; }
    const_iterator& operator++() {
      const Node* node = path_.back();
      path_.pop_back();
      PushLeftSpine(node->right.get());
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator before = *this;
      ++*this;
      return before;
    }
    friend bool operator==(const const_iterator& a, const const_iterator& b) {
      if (a.path_.empty() || b.path_.empty()) {
        return a.path_.empty() == b.path_.empty();
      }
      return a.path_.back() == b.path_.back();
    }
    friend bool operator!=(const const_iterator& a, const const_iterator& b) {
      return !(a == b);
    }

   private:
    friend class PersistentMap;
    void PushLeftSpine(const Node* node) {
      for (; node != nullptr; node = node->left.get()) path_.push_back(node);
    }
    // The nodes still to visit whose left subtrees are done, the current
    // one last; empty at end().
    absl::InlinedVector<const Node*, 24> path_;
  };
  using iterator = const_iterator;

  PersistentMap() : owner_(NewOwner()) {}
  // The copy and the original share every node; both change only copies
  // of them from now on.
  PersistentMap(const PersistentMap& other)
      : root_(other.root_), size_(other.size_), owner_(NewOwner()) {
    other.owner_.store(NewOwner(), std::memory_order_relaxed);
  }
  PersistentMap& operator=(const PersistentMap& other) {
    if (this != &other) {
      root_ = other.root_;
      size_ = other.size_;
      owner_.store(NewOwner(), std::memory_order_relaxed);
      other.owner_.store(NewOwner(), std::memory_order_relaxed);
    }
    return *this;
  }
  PersistentMap(PersistentMap&& other) noexcept
      : root_(std::move(other.root_)),
        size_(std::exchange(other.size_, 0)),
        owner_(other.owner_.load(std::memory_order_relaxed)) {
    other.owner_.store(NewOwner(), std::memory_order_relaxed);
  }
  PersistentMap& operator=(PersistentMap&& other) noexcept {
    if (this != &other) {
      root_ = std::move(other.root_);
      size_ = std::exchange(other.size_, 0);
      owner_.store(other.owner_.load(std::memory_order_relaxed),
                   std::memory_order_relaxed);
      other.owner_.store(NewOwner(), std::memory_order_relaxed);
    }
    return *this;
  }
  ~PersistentMap() = default;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  const_iterator begin() const {
    const_iterator it;
    it.PushLeftSpine(root_.get());
    return it;
  }
  const_iterator end() const { return const_iterator(); }

  // The first entry whose key is not less than `key`.
  template <typename Q>
  const_iterator lower_bound(const Q& key) const {
    return Bound(key, /*strict=*/false);
  }
  // The first entry whose key is greater than `key`.
  template <typename Q>
  const_iterator upper_bound(const Q& key) const {
    return Bound(key, /*strict=*/true);
  }
  template <typename Q>
  const_iterator find(const Q& key) const {
    const_iterator it = lower_bound(key);
    if (it != end() && Compare()(key, it->first)) return end();
    return it;
  }
  // The value of `key`, or nullptr.
  template <typename Q>
  const V* Find(const Q& key) const {
    const Node* node = root_.get();
    while (node != nullptr) {
      if (Compare()(key, node->entry.first)) {
        node = node->left.get();
      } else if (Compare()(node->entry.first, key)) {
        node = node->right.get();
      } else {
        return &node->entry.second;
      }
    }
    return nullptr;
  }
  // The entry with the greatest key not greater than `key`, or nullptr.
  template <typename Q>
  const value_type* Floor(const Q& key) const {
    const value_type* floor = nullptr;
    const Node* node = root_.get();
    while (node != nullptr) {
      if (Compare()(key, node->entry.first)) {
        node = node->left.get();
      } else {
        floor = &node->entry;
        node = node->right.get();
      }
    }
    return floor;
  }
  template <typename Q>
  bool contains(const Q& key) const {
    return Find(key) != nullptr;
  }
  template <typename Q>
  size_t count(const Q& key) const {
    return contains(key) ? 1 : 0;
  }
  // Throws std::out_of_range when `key` is absent, as std::map::at.
  template <typename Q>
  const V& at(const Q& key) const {
    const V* value = Find(key);
    if (value == nullptr) throw std::out_of_range("PersistentMap::at");
    return *value;
  }

  // The value of `key` to change in place, or nullptr when it is absent.
  template <typename Q>
  V* FindMutable(const Q& key) {
    if (!contains(key)) return nullptr;
    return &(*OwnedSlot(key))->entry.second;
  }
  // The value of `key` to change in place, default-constructed first when
  // absent; `second` tells whether it was inserted.
  std::pair<V*, bool> TryEmplace(const K& key) {
    if (V* found = FindMutable(key)) return {found, false};
    V* value = nullptr;
    Insert(root_, key, absl::Hash<K>()(key), &value);
    ++size_;
    return {value, true};
  }
  // As std::map::operator[]: the value of `key`, inserted when absent.
  V& operator[](const K& key) { return *TryEmplace(key).first; }
  // Removes `key`; false when it was absent.
  template <typename Q>
  bool Erase(const Q& key) {
    if (!contains(key)) return false;
    NodePtr& slot = *OwnedSlot(key);
    slot = Merge(std::move(slot->left), std::move(slot->right));
    --size_;
    return true;
  }
  void clear() {
    root_.reset();
    size_ = 0;
  }

 private:
  struct Node {
    Node(const K& key, uint64_t priority_in, uint64_t owner_in)
        : entry(key, V()), priority(priority_in), owner(owner_in) {}
    value_type entry;
    // A max-heap on priority keeps the tree balanced in expectation.
    uint64_t priority;
    // The map that may change this node in place: the one that created it,
    // until that map is copied.
    uint64_t owner;
    NodePtr left;
    NodePtr right;
  };

  static uint64_t NewOwner() {
    static std::atomic<uint64_t> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);
  }
  uint64_t owner() const { return owner_.load(std::memory_order_relaxed); }

  // Makes `*slot`, reached through nodes this map owns, a node this map
  // owns: itself when it is, else a copy.
  void Own(NodePtr& slot) {
    if (slot->owner == owner()) return;
    auto copy = std::make_shared<Node>(*slot);
    copy->owner = owner();
    slot = std::move(copy);
  }

  // The slot holding present `key`'s node, with every node on the way
  // there (that one included) owned.
  template <typename Q>
  NodePtr* OwnedSlot(const Q& key) {
    NodePtr* slot = &root_;
    while (true) {
      Own(*slot);
      Node& node = **slot;
      if (Compare()(key, node.entry.first)) {
        slot = &node.left;
      } else if (Compare()(node.entry.first, key)) {
        slot = &node.right;
      } else {
        return slot;
      }
    }
  }

  template <typename Q>
  const_iterator Bound(const Q& key, bool strict) const {
    const_iterator it;
    const Node* node = root_.get();
    while (node != nullptr) {
      const bool right = strict ? !Compare()(key, node->entry.first)
                                : Compare()(node->entry.first, key);
      if (right) {
        node = node->right.get();
      } else {
        it.path_.push_back(node);
        node = node->left.get();
      }
    }
    return it;
  }

  // Inserts absent `key` into the subtree at `slot` (owned or empty),
  // pointing `*value` at its value.
  void Insert(NodePtr& slot, const K& key, uint64_t priority, V** value) {
    if (slot == nullptr) {
      slot = std::make_shared<Node>(key, priority, owner());
      *value = &slot->entry.second;
      return;
    }
    Own(slot);
    Node& node = *slot;
    if (Compare()(key, node.entry.first)) {
      Insert(node.left, key, priority, value);
      if (node.left->priority > node.priority) RotateRight(slot);
    } else {
      Insert(node.right, key, priority, value);
      if (node.right->priority > node.priority) RotateLeft(slot);
    }
  }
  // Both nodes involved are owned: the child was just inserted into.
  static void RotateRight(NodePtr& slot) {
    NodePtr left = std::move(slot->left);
    slot->left = std::move(left->right);
    left->right = std::move(slot);
    slot = std::move(left);
  }
  static void RotateLeft(NodePtr& slot) {
    NodePtr right = std::move(slot->right);
    slot->right = std::move(right->left);
    right->left = std::move(slot);
    slot = std::move(right);
  }
  // The union of two subtrees, every key of `a` before every key of `b`.
  NodePtr Merge(NodePtr a, NodePtr b) {
    if (a == nullptr) return b;
    if (b == nullptr) return a;
    if (a->priority > b->priority) {
      Own(a);
      a->right = Merge(std::move(a->right), std::move(b));
      return a;
    }
    Own(b);
    b->left = Merge(std::move(a), std::move(b->left));
    return b;
  }

  NodePtr root_;
  size_t size_ = 0;
  // Copying a map (const for the original) gives the original a new
  // owner, possibly from several threads at once: hence atomic.
  mutable std::atomic<uint64_t> owner_;
};

}  // namespace pactlog::util

#endif  // PACTLOG_UTIL_PERSISTENT_MAP_H_
