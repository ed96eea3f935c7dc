// Templates and value rendering: what ends up in published payloads.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "template.hpp"
#include "value.hpp"

using bedtimed::Template;
using bedtimed::TemplateError;
using bedtimed::Value;

namespace {

// A resolver over a fixed table; paths not in it are missing (monostate).
Template::Resolver table(std::map<std::string, Value> values) {
    return [values = std::move(values)](std::string_view path) {
        auto it = values.find(std::string(path));
        return it == values.end() ? Value() : it->second;
    };
}

std::string render(const std::string& text, std::map<std::string, Value> values = {}) {
    return Template::compile(text).render(table(std::move(values)));
}

// The offset compile() reports, or npos when it does not throw.
std::size_t error_offset(const std::string& text, std::string* message = nullptr) {
    try {
        Template::compile(text);
    } catch (const TemplateError& e) {
        if (message) *message = e.what();
        return e.offset();
    }
    return std::string::npos;
}

}  // namespace

TEST(Template, LiteralTextRendersVerbatim) {
    const Template t = Template::compile(R"({"state":"ON"})");
    EXPECT_TRUE(t.is_literal());
    EXPECT_EQ(t.text(), R"({"state":"ON"})");
    EXPECT_EQ(t.render(table({})), R"({"state":"ON"})");
}

TEST(Template, EmptyTemplateRendersEmpty) {
    EXPECT_EQ(render(""), "");
    EXPECT_EQ(Template().render(table({})), "");
}

TEST(Template, PlaceholdersAreRecordedWithOffsets) {
    const Template t = Template::compile("a {{ episode.id }} b {{sensor.t|json}}");
    ASSERT_EQ(t.placeholders().size(), 2u);
    EXPECT_EQ(t.placeholders()[0].path, "episode.id");
    EXPECT_FALSE(t.placeholders()[0].as_json);
    EXPECT_EQ(t.placeholders()[0].offset, 2u);
    EXPECT_EQ(t.placeholders()[1].path, "sensor.t");
    EXPECT_TRUE(t.placeholders()[1].as_json);
    EXPECT_EQ(t.placeholders()[1].offset, 21u);
    EXPECT_FALSE(t.is_literal());
}

TEST(Template, ResolverSeesTheTrimmedPath) {
    std::vector<std::string> asked;
    const Template t = Template::compile("{{  episode.muscle  | json }}/{{sensor.x}}");
    t.render([&](std::string_view path) {
        asked.emplace_back(path);
        return Value();
    });
    EXPECT_EQ(asked, (std::vector<std::string>{"episode.muscle", "sensor.x"}));
}

TEST(Template, TextInsertsStringsVerbatim) {
    EXPECT_EQ(render("bedtimed/{{episode.source}}/x", {{"episode.source", std::string("left")}}),
              "bedtimed/left/x");
    // Without `| json` nothing is escaped: that is the caller's choice.
    EXPECT_EQ(render("{{s}}", {{"s", std::string("a\"b")}}), "a\"b");
}

TEST(Template, JsonFilterQuotesAndEscapes) {
    const std::map<std::string, Value> v{
        {"quote", std::string(R"(say "hi")")},       {"newline", std::string("line1\nline2\ttab")},
        {"backslash", std::string(R"(C:\x)")},       {"control", std::string("\x01")},
        {"unicode", std::string("mollet \xc3\xa9")},
    };
    EXPECT_EQ(render("{{quote|json}}", v), R"("say \"hi\"")");
    EXPECT_EQ(render("{{newline|json}}", v), R"("line1\nline2\ttab")");
    EXPECT_EQ(render("{{backslash|json}}", v), R"("C:\\x")");
    EXPECT_EQ(render("{{control|json}}", v), R"("\u0001")");
    EXPECT_EQ(render("{{unicode|json}}", v), "\"mollet \xc3\xa9\"");
}

TEST(Template, JsonFilterOutputIsAlwaysValidJson) {
    // Invalid UTF-8 from a sensor must not produce a payload consumers cannot parse.
    const std::string rendered =
        render(R"({"v":{{bad|json}},"n":{{missing|json}}})", {{"bad", std::string("a\xff\xfe")}});
    const auto parsed = nlohmann::json::parse(rendered, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << rendered;
    EXPECT_TRUE(parsed["n"].is_null());
    EXPECT_EQ(parsed["v"].get<std::string>().substr(0, 1), "a");
}

TEST(Template, MissingValuesAreEmptyTextOrJsonNull) {
    EXPECT_EQ(render("[{{episode.muscle}}]"), "[]");
    EXPECT_EQ(render("[{{episode.muscle | json}}]"), "[null]");
}

TEST(Template, NumbersKeepTheirKind) {
    const std::map<std::string, Value> v{
        {"int", std::int64_t{12}},
        {"neg", std::int64_t{-9007199254740993}},
        {"tenth", 0.1},
        {"third", 1.0 / 3.0},
        {"half", 18.5},
        {"whole", 2.0},
        {"big", 1e21},
        {"nan", std::nan("")},
        {"yes", true},
        {"no", false},
    };
    EXPECT_EQ(render("{{int}} {{int|json}}", v), "12 12");
    // int64 goes through exactly, beyond what a double could hold.
    EXPECT_EQ(render("{{neg}}", v), "-9007199254740993");
    // Doubles print in the shortest form that reads back to the same value.
    EXPECT_EQ(render("{{tenth}}", v), "0.1");
    EXPECT_EQ(std::stod(render("{{third}}", v)), 1.0 / 3.0);
    EXPECT_EQ(render("{{third}}", v), "0.3333333333333333");
    EXPECT_EQ(render("{{half|json}}", v), "18.5");
    EXPECT_EQ(render("{{whole}}", v), "2");
    EXPECT_EQ(std::stod(render("{{big|json}}", v)), 1e21);
    // JSON has no NaN; the filter keeps the payload well-formed.
    EXPECT_EQ(render("{{nan|json}}", v), "null");
    EXPECT_EQ(render("{{yes}} {{no|json}}", v), "true false");
}

TEST(Template, NestedJsonObjectsAreLiteral) {
    // "}}" closing two objects is not a placeholder end and not an error.
    EXPECT_EQ(render(R"({"a":{"b":1}})"), R"({"a":{"b":1}})");
    EXPECT_EQ(render(R"({"e":{"id":{{id|json}}}})", {{"id", std::string("x")}}),
              R"({"e":{"id":"x"}})");
    EXPECT_EQ(render(R"([{"id":{{id}}}])", {{"id", std::int64_t{3}}}), R"([{"id":3}])");
}

TEST(Template, AdjacentPlaceholders) {
    EXPECT_EQ(render("{{a}}{{b}}", {{"a", std::string("x")}, {"b", std::int64_t{1}}}), "x1");
}

TEST(TemplateErrors, UnterminatedPlaceholder) {
    std::string msg;
    EXPECT_EQ(error_offset("abc {{episode.id", &msg), 4u);
    EXPECT_NE(msg.find("never closed"), std::string::npos) << msg;
    EXPECT_EQ(error_offset("{{a}} and {{b}", &msg), 10u);
    EXPECT_EQ(error_offset("{{", &msg), 0u);
}

TEST(TemplateErrors, EmptyPlaceholder) {
    std::string msg;
    EXPECT_EQ(error_offset("x{{}}", &msg), 1u);
    EXPECT_NE(msg.find("empty placeholder"), std::string::npos) << msg;
    EXPECT_EQ(error_offset("xy{{   }}", &msg), 2u);
    EXPECT_EQ(error_offset("{{ | json }}", &msg), 0u);
    EXPECT_NE(msg.find("empty placeholder"), std::string::npos) << msg;
}

TEST(TemplateErrors, UnknownFilter) {
    std::string msg;
    EXPECT_EQ(error_offset(R"({"m":{{episode.muscle | upper}}})", &msg), 5u);
    EXPECT_NE(msg.find("unknown template filter 'upper'"), std::string::npos) << msg;
    EXPECT_EQ(error_offset("{{a | }}", &msg), 0u);
    EXPECT_NE(msg.find("unknown template filter ''"), std::string::npos) << msg;
    EXPECT_EQ(error_offset("{{a | json | json}}", &msg), 0u);
    EXPECT_EQ(error_offset("{{a | JSON}}", &msg), 0u);
}

TEST(TemplateErrors, PlaceholderMustBeAPath) {
    std::string msg;
    EXPECT_EQ(error_offset("ok {{episode id}}", &msg), 3u);
    EXPECT_NE(msg.find("is not a path"), std::string::npos) << msg;
    EXPECT_EQ(error_offset("{{a\"b}}", &msg), 0u);
    EXPECT_EQ(error_offset("{{{a}}}", &msg), 0u);
}

TEST(ValueText, AsNumber) {
    EXPECT_EQ(bedtimed::as_number(Value(std::int64_t{4})), 4.0);
    EXPECT_EQ(bedtimed::as_number(Value(2.5)), 2.5);
    EXPECT_EQ(bedtimed::as_number(Value(true)), 1.0);
    EXPECT_FALSE(bedtimed::as_number(Value(std::string("4"))));
    EXPECT_FALSE(bedtimed::as_number(Value()));
}
