#pragma once
// The timer module: a per-core hierarchical timing wheel, timer objects and Asio sleeps on it.

#include <shardmq/timer/sleep.hpp>
#include <shardmq/timer/timer.hpp>
#include <shardmq/timer/timer_node.hpp>
#include <shardmq/timer/timer_wheel.hpp>
#include <shardmq/timer/timer_wheel_stats.hpp>
