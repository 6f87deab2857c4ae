// store/store.cc
//
// statelog::Store forwards to internal::StoreImpl (store/store_impl.h);
// Store::Open is in store/open.cc.

#include "statelog/store.h"

#include "store/store_impl.h"

namespace statelog {

Store::Store(std::unique_ptr<internal::StoreImpl> impl)
    : impl_(std::move(impl)) {}

Store::~Store() = default;

absl::StatusOr<uint64_t> Store::Apply(const Transaction& txn) {
  return impl_->Apply(txn, internal::Values::kCopy);
}

absl::StatusOr<uint64_t> Store::Apply(Transaction&& txn) {
  return impl_->Apply(txn, internal::Values::kMove);
}

absl::StatusOr<uint64_t> Store::Update(
    const std::function<absl::Status(const Json&, Transaction*)>& fn) {
  return impl_->Update(fn);
}

absl::StatusOr<Json> Store::Get(const std::string& pointer) const {
  return impl_->Get(pointer);
}

absl::Status Store::Read(
    const std::function<void(const Json&, uint64_t)>& fn) const {
  return impl_->Read(fn);
}

absl::Status Store::Sync() { return impl_->Sync(); }
absl::Status Store::Compact() { return impl_->Compact(); }
uint64_t Store::LastSeq() const { return impl_->LastSeq(); }
absl::Status Store::status() const { return impl_->status(); }
const std::string& Store::dir() const { return impl_->dir(); }

}  // namespace statelog
