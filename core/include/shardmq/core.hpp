#pragma once
// Everything of shardmq::core in one include.

#include <shardmq/core/engine.hpp>
#include <shardmq/core/engine_config.hpp>
#include <shardmq/core/log.hpp>
#include <shardmq/core/reactor.hpp>
#include <shardmq/core/reactor_stats.hpp>
#include <shardmq/core/stats_table.hpp>
#include <shardmq/core/topology.hpp>
