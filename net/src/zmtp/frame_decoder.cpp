#include <shardmq/net/zmtp/frame_decoder.hpp>

#include <algorithm>
#include <cstring>

namespace shardmq::net::zmtp {
namespace {

// The protocol caps sizes at 2^63 - 1 (RFC 23); a set top bit is a corrupt or hostile header.
constexpr std::uint64_t max_protocol_size = (std::uint64_t{1} << 63) - 1;

}  // namespace

decode_status frame_decoder::decode(alloc::slice& input, decoded_frame& out) {
  std::size_t consumed = 0;
  const decode_status status = decode_bytes(input.bytes(), &input, consumed, out);
  input.trim_front(consumed);
  return status;
}

decode_status frame_decoder::decode(std::span<const std::byte>& input, decoded_frame& out) {
  std::size_t consumed = 0;
  const decode_status status = decode_bytes(input, nullptr, consumed, out);
  input = input.subspan(consumed);
  return status;
}

const zmtp::error& frame_decoder::finish() noexcept {
  if (!error_ && state_ != state::flags) fail(errc::truncated, "connection closed in the middle of a frame");
  return error_;
}

decode_status frame_decoder::decode_bytes(std::span<const std::byte> input, const alloc::slice* source,
                                          std::size_t& consumed, decoded_frame& out) {
  if (error_) return decode_status::error;
  while (consumed < input.size()) {
    switch (state_) {
      case state::flags: {
        flags_ = std::to_integer<std::uint8_t>(input[consumed++]);
        if ((flags_ & flag_command) != 0 && (flags_ & flag_more) != 0)
          return fail(errc::bad_flags, "command frame with the MORE flag");
        if (options_.reject_reserved_flags && (flags_ & flags_reserved) != 0)
          return fail(errc::bad_flags, "frame flags use reserved bits");
        size_bytes_needed_ = (flags_ & flag_long) != 0 ? 8 : 1;
        size_bytes_got_ = 0;
        state_ = state::size;
        break;
      }
      case state::size: {
        const std::size_t n =
            std::min<std::size_t>(size_bytes_needed_ - size_bytes_got_, input.size() - consumed);
        std::memcpy(size_bytes_.data() + size_bytes_got_, input.data() + consumed, n);
        consumed += n;
        size_bytes_got_ = static_cast<std::uint8_t>(size_bytes_got_ + n);
        if (size_bytes_got_ < size_bytes_needed_) return decode_status::need_more;
        body_size_ = 0;
        for (std::uint8_t i = 0; i < size_bytes_needed_; ++i)
          body_size_ = (body_size_ << 8) | std::to_integer<std::uint64_t>(size_bytes_[i]);
        if (body_size_ > max_protocol_size)
          return fail(errc::frame_too_large, "frame size has the top bit set");
        if (options_.max_frame_size != 0 && body_size_ > options_.max_frame_size)
          return fail(errc::frame_too_large, "frame larger than maxmsgsize");
        const decode_status status = begin_body(input.subspan(consumed), source, consumed, out);
        if (status != decode_status::need_more) return status;
        break;
      }
      case state::body: {
        const std::size_t n = static_cast<std::size_t>(
            std::min<std::uint64_t>(body_size_ - body_got_, input.size() - consumed));
        std::byte* target = large_body_ ? large_body_.data() : small_body_.data();
        std::memcpy(target + body_got_, input.data() + consumed, n);
        consumed += n;
        body_got_ += n;
        if (body_got_ == body_size_) return emit(out);
        break;
      }
    }
  }
  return decode_status::need_more;
}

// The size is known: emit an empty body, hand a whole large body out as a share of the source,
// or prepare the place to assemble it.
decode_status frame_decoder::begin_body(std::span<const std::byte> rest, const alloc::slice* source,
                                        std::size_t& consumed, decoded_frame& out) {
  body_got_ = 0;
  state_ = state::body;
  if (body_size_ == 0) return emit(out);
  if (body_size_ > zmq::frame::inline_capacity) {
    if (source != nullptr && rest.size() >= body_size_) {
      const std::size_t offset = static_cast<std::size_t>(rest.data() - source->data());
      out.body = zmq::frame(source->share(offset, static_cast<std::size_t>(body_size_)));
      consumed += static_cast<std::size_t>(body_size_);
      body_got_ = body_size_;
      return emit(out);
    }
    large_body_ = pool_->try_acquire(static_cast<std::size_t>(body_size_));
    if (!large_body_) return fail(errc::frame_too_large, "no buffer for a frame this large");
    large_body_.trim_back(large_body_.size() - static_cast<std::size_t>(body_size_));
  }
  return decode_status::need_more;
}

decode_status frame_decoder::emit(decoded_frame& out) {
  if (large_body_) {
    out.body = zmq::frame(std::move(large_body_));
  } else if (body_size_ <= zmq::frame::inline_capacity) {
    out.body = zmq::frame::copy_of(
        std::span<const std::byte>(small_body_.data(), static_cast<std::size_t>(body_size_)));
  }  // else: begin_body already put the share in out.body
  out.more = (flags_ & flag_more) != 0;
  out.command = (flags_ & flag_command) != 0;
  state_ = state::flags;
  return decode_status::frame;
}

decode_status frame_decoder::fail(errc code, std::string_view reason) noexcept {
  error_ = {code, reason};
  large_body_.release();
  return decode_status::error;
}

}  // namespace shardmq::net::zmtp
