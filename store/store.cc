// store/store.cc
//
// statelog::Store forwards to internal::StoreImpl (store/store_impl.h);
// Store::Open is in store/open.cc.

#include "statelog/store.h"

#include "absl/strings/str_cat.h"
#include "store/store_impl.h"
#include "util/status_macros.h"

namespace statelog {
namespace {

// The Update and Read callbacks this thread is inside, innermost first: the
// store's lock is held there, and a call back into that store that takes
// it again would deadlock.
struct CallbackScope {
  explicit CallbackScope(const internal::StoreImpl* store)
      : store(store), outer(innermost) {
    innermost = this;
  }
  ~CallbackScope() { innermost = outer; }
  CallbackScope(const CallbackScope&) = delete;
  CallbackScope& operator=(const CallbackScope&) = delete;

  static bool Inside(const internal::StoreImpl* store) {
    for (const CallbackScope* s = innermost; s != nullptr; s = s->outer) {
      if (s->store == store) return true;
    }
    return false;
  }

  const internal::StoreImpl* store;
  const CallbackScope* outer;
  static thread_local const CallbackScope* innermost;
};

thread_local const CallbackScope* CallbackScope::innermost = nullptr;

absl::Status Reentered(const char* method) {
  return absl::FailedPreconditionError(absl::StrCat(
      "Store::", method,
      " called from inside an Update or Read callback of the same store, "
      "which holds its lock: use the state the callback was given (and, in "
      "Update, the transaction it fills in)"));
}

// Why a call to `method` of `store` may not go ahead here, if it may not:
// in a process forked from the one that opened it, or from inside one of
// its callbacks on this thread (its lock held).
absl::Status Refused(const internal::StoreImpl* store, const char* method) {
  if (store->Forked()) return store->ForkedError(method);
  if (CallbackScope::Inside(store)) return Reentered(method);
  return absl::OkStatus();
}

}  // namespace

Store::Store(std::unique_ptr<internal::StoreImpl> impl)
    : impl_(std::move(impl)) {}

Store::~Store() {
  if (impl_ != nullptr && impl_->Forked()) {
    impl_->CloseLockInChild();
    (void)impl_.release();  // see StoreImpl::Forked
  }
}

absl::StatusOr<uint64_t> Store::Apply(const Transaction& txn) {
  STATELOG_RETURN_IF_ERROR(Refused(impl_.get(), "Apply"));
  return impl_->Apply(txn, internal::Values::kCopy);
}

absl::StatusOr<uint64_t> Store::Apply(Transaction&& txn) {
  STATELOG_RETURN_IF_ERROR(Refused(impl_.get(), "Apply"));
  return impl_->Apply(txn, internal::Values::kMove);
}

absl::StatusOr<uint64_t> Store::SetJsonText(const std::string& pointer,
                                            absl::string_view json_text) {
  STATELOG_RETURN_IF_ERROR(Refused(impl_.get(), "SetJsonText"));
  return impl_->SetJsonText(pointer, json_text);
}

absl::StatusOr<uint64_t> Store::Update(
    const std::function<absl::Status(const Json&, Transaction*)>& fn) {
  STATELOG_RETURN_IF_ERROR(Refused(impl_.get(), "Update"));
  return impl_->Update([&](const Json& state, Transaction* txn) {
    CallbackScope scope(impl_.get());
    return fn(state, txn);
  });
}

absl::StatusOr<uint64_t> Store::Save(const Json& state) {
  STATELOG_RETURN_IF_ERROR(Refused(impl_.get(), "Save"));
  return impl_->Save(state);
}

absl::StatusOr<Json> Store::Get(const std::string& pointer) const {
  STATELOG_RETURN_IF_ERROR(Refused(impl_.get(), "Get"));
  return impl_->Get(pointer);
}

absl::Status Store::Read(
    const std::function<void(const Json&, uint64_t)>& fn) const {
  STATELOG_RETURN_IF_ERROR(Refused(impl_.get(), "Read"));
  return impl_->Read([&](const Json& state, uint64_t seq) {
    CallbackScope scope(impl_.get());
    fn(state, seq);
  });
}

absl::Status Store::Sync() {
  STATELOG_RETURN_IF_ERROR(Refused(impl_.get(), "Sync"));
  return impl_->Sync();
}

absl::Status Store::Compact() {
  STATELOG_RETURN_IF_ERROR(Refused(impl_.get(), "Compact"));
  return impl_->Compact();
}

uint64_t Store::LastSeq() const {
  // Inside a callback this thread holds the lock, so nothing changes the
  // value while it is read; a forked child has no other thread to change
  // it, and must not wait for a lock a thread of its parent held.
  if (impl_->Forked() || CallbackScope::Inside(impl_.get())) {
    return impl_->LastSeqHeld();
  }
  return impl_->LastSeq();
}

absl::Status Store::status() const {
  if (impl_->Forked()) return impl_->ForkedError("status");
  if (CallbackScope::Inside(impl_.get())) return impl_->StatusHeld();
  return impl_->status();
}
RecoveryReport Store::recovery_report() const {
  if (impl_->Forked() || CallbackScope::Inside(impl_.get())) {
    return impl_->RecoveryReportHeld();
  }
  return impl_->recovery_report();
}

const std::string& Store::dir() const { return impl_->dir(); }

}  // namespace statelog
