#include <shardmq/core.hpp>

#include <asio/use_future.hpp>

#include <cstdio>
#include <future>
#include <string>

int main() {
  shardmq::engine engine(shardmq::engine_config{.cores = 1});
  engine.start();

  // The lambda runs on core 0's reactor thread; the future brings its result back to this thread.
  std::future<std::string> reply = engine.submit_to(
      0, [] { return "hello from core " + std::to_string(shardmq::this_core()); }, asio::use_future);
  const std::string text = reply.get();

  engine.stop();
  std::printf("%s\n", text.c_str());
  return text == "hello from core 0" ? 0 : 1;
}
