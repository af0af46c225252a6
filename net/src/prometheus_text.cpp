// GET /metrics: the Prometheus text exposition format, version 0.0.4.

#include <shardmq/net/metrics_format.hpp>

#include <charconv>
#include <cmath>
#include <map>

namespace shardmq::net {
namespace {

void append_escaped(std::string& out, std::string_view text, bool quotes) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

void append_value(std::string& out, const metric_value& value) {
  if (const double* d = std::get_if<double>(&value)) {
    if (std::isnan(*d)) {
      out += "NaN";
    } else if (std::isinf(*d)) {
      out += *d > 0 ? "+Inf" : "-Inf";
    } else {
      char text[32];
      const auto result = std::to_chars(text, text + sizeof text, *d);
      out.append(text, result.ptr);
    }
    return;
  }
  std::visit([&](auto v) { out += std::to_string(v); }, value);
}

struct family {
  const metric_sample* first;                                      // its HELP and TYPE
  std::vector<std::pair<unsigned, const metric_sample*>> samples;  // (core, sample)
};

}  // namespace

std::string prometheus_name(const metric_sample& sample) {
  std::string name = "shardmq_" + sample.group + "_" + sample.name;
  if (sample.kind == metric_kind::counter) name += "_total";
  return name;
}

std::string format_prometheus_text(const std::vector<core_metrics>& cores) {
  // Families in the order first seen, each with every core's samples: HELP and TYPE must come
  // once, before all the family's samples.
  std::vector<std::pair<std::string, family>> families;
  std::map<std::string, std::size_t> index;
  for (const core_metrics& core : cores) {
    for (const metric_sample& sample : core.samples) {
      std::string name = prometheus_name(sample);
      const auto [at, inserted] = index.try_emplace(name, families.size());
      if (inserted) families.emplace_back(std::move(name), family{&sample, {}});
      families[at->second].second.samples.emplace_back(core.core, &sample);
    }
  }

  std::string out;
  for (const auto& [name, f] : families) {
    out += "# HELP " + name + " ";
    append_escaped(out, f.first->help, false);
    out += "\n# TYPE " + name + (f.first->kind == metric_kind::counter ? " counter\n" : " gauge\n");
    for (const auto& [core, sample] : f.samples) {
      out += name + "{core=\"" + std::to_string(core) + '"';
      for (const auto& [label, value] : sample->labels) {
        out += ',' + label + "=\"";
        append_escaped(out, value, true);
        out += '"';
      }
      out += "} ";
      append_value(out, sample->value);
      out += '\n';
    }
  }
  return out;
}

}  // namespace shardmq::net
