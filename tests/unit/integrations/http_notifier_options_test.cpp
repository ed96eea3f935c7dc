// The HTTP notifiers' options: each bad one reported at its position, and
// secrets read from files or from systemd credentials ($CREDENTIALS_DIRECTORY),
// never written to the log.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "http/http_options.hpp"
#include "http_notifier_harness.hpp"
#include "http_test_server.hpp"

using namespace bedtimed::integrations;
using namespace bedtimed::test;  // Harness, reminder(), scalar(), list(), map()
using namespace std::chrono_literals;
using bedtimed::config::ConfigError;
using bedtimed::config::Options;
using bedtimed::test::HttpTestServer;
using nlohmann::json;

namespace {
std::string error_of(Harness& h, std::string_view type, const Options& o) {
    try {
        h.make(type, o);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}
}  // namespace

TEST(HttpNotifierOptions, BadOptionsAreReportedAtTheirPosition) {
    Harness h;
    const std::string file = h.dir + "/house.yaml";
    Options ntfy;
    ntfy["url"] = scalar("ftp://ntfy.example", 20);
    ntfy["topic"] = scalar("t", 21);
    EXPECT_EQ(error_of(h, "ntfy", ntfy), file +
                                             ":20:7: option 'url' of notifier 'phone' is not a "
                                             "valid URL: it must start with http:// or https://");
    ntfy["url"] = scalar("https://ntfy.example", 20);
    ntfy["priority"] = scalar("loud", 22);
    EXPECT_EQ(error_of(h, "ntfy", ntfy), file +
                                             ":22:7: option 'priority' of notifier 'phone' must be "
                                             "1-5 or min, low, default, high, max, not 'loud'");
    ntfy.erase("priority");
    auto action = map({{"action", scalar("view", 24)},
                       {"label", scalar("x", 24)},
                       {"url", scalar("https://a.example", 24)}},
                      24);
    ntfy["actions"] = list({action, action, action, action}, 23);
    EXPECT_EQ(error_of(h, "ntfy", ntfy),
              file + ":23:7: notifier 'phone' has 4 actions; ntfy shows at most 3");
    ntfy["actions"] =
        list({map({{"action", scalar("view", 24)}, {"label", scalar("x", 24)}}, 24)}, 23);
    EXPECT_EQ(error_of(h, "ntfy", ntfy),
              file + ":24:7: an action of notifier 'phone' needs a 'url'");
    ntfy.erase("actions");
    ntfy["token_file"] = scalar(h.dir + "/nope", 25);
    EXPECT_EQ(error_of(h, "ntfy", ntfy),
              file + ":25:7: cannot read token_file '" + h.dir +
                  "/nope' of notifier 'phone': No such file or directory");

    Options gotify;
    gotify["url"] = scalar("https://push.example", 20);
    EXPECT_EQ(error_of(h, "gotify", gotify),
              file + ":18:3: notifier 'phone' needs token_file or token_credential");
    gotify["token_file"] = scalar("token", 21);  // relative: next to the config file
    gotify["priority"] = scalar("11", 22);
    EXPECT_EQ(error_of(h, "gotify", gotify), file +
                                                 ":22:7: option 'priority' of notifier 'phone' "
                                                 "must be an integer from 0 to 10, not '11'");

    Options ha;
    ha["url"] = scalar("http://ha.local:8123", 20);
    ha["service"] = scalar("Mobile App", 21);
    ha["token_file"] = scalar(h.token_file, 22);
    EXPECT_NE(error_of(h, "ha_app", ha)
                  .find(file + ":21:7: option 'service' of notifier 'phone' must be"),
              std::string::npos);

    Options hook;
    hook["url"] = scalar("https://hook.example/x", 20);
    hook["headers"] = map({{"Content-Length", scalar("3", 21)}}, 21);
    EXPECT_EQ(
        error_of(h, "webhook", hook),
        file +
            ":21:7: option 'headers' of notifier 'phone': bedtimed sets 'Content-Length' itself");
    hook["headers"] = map({{"X-Key", map({{"file", scalar(h.dir + "/missing", 22)}}, 22)}}, 21);
    EXPECT_NE(
        error_of(h, "webhook", hook).find(file + ":22:7: cannot read the file for header 'X-Key'"),
        std::string::npos);
    hook.erase("headers");
    hook["ca_file"] = scalar(h.token_file, 23);  // not a certificate
    EXPECT_NE(error_of(h, "webhook", hook)
                  .find(file + ":23:7: option 'ca_file' of notifier 'phone': cannot load CA file"),
              std::string::npos);
}

TEST(HttpNotifierOptions, SimulateNeedsTheSecretFilesNamedButDoesNotReadThem) {
    Harness h;
    h.ctx.io = nullptr;
    h.ctx.read_secrets = false;
    Options o;
    o["url"] = scalar("https://push.example", 20);
    o["token_file"] = scalar("/nonexistent/token", 21);
    EXPECT_NO_THROW(h.make("gotify", o));
    o.erase("token_file");
    EXPECT_THROW(h.make("gotify", o), ConfigError);
}

// ---- secrets as systemd credentials ($CREDENTIALS_DIRECTORY) ----------------

namespace {

// Points $CREDENTIALS_DIRECTORY at a fresh directory for one test, as
// systemd does for LoadCredential=, and puts it back afterwards.
class CredentialsDirectory {
public:
    explicit CredentialsDirectory(const std::string& dir) : dir_(dir + "/credentials") {
        std::filesystem::create_directories(dir_);
        if (const char* old = std::getenv("CREDENTIALS_DIRECTORY")) old_ = old;
        ::setenv("CREDENTIALS_DIRECTORY", dir_.c_str(), 1);
    }
    ~CredentialsDirectory() {
        if (old_) ::setenv("CREDENTIALS_DIRECTORY", old_->c_str(), 1);
        else ::unsetenv("CREDENTIALS_DIRECTORY");
    }
    void put(const std::string& name, const std::string& content) const {
        std::ofstream(dir_ + "/" + name) << content;
    }

private:
    std::string dir_;
    std::optional<std::string> old_;
};

}  // namespace

TEST(HttpNotifierCredentials, TokensPasswordsAndHeadersComeFromTheCredentialsDirectory) {
    Harness h;
    CredentialsDirectory creds(h.dir);
    creds.put("ntfy-token", "tk_from-credential\n");
    creds.put("ntfy-password", "cred-pa55\n");
    creds.put("ha-token", "ha-long-lived\n");
    creds.put("hook-key", "hook-cred-s3cret\n");
    HttpTestServer server;

    Options ntfy;
    ntfy["url"] = scalar(server.url(), 20);
    ntfy["topic"] = scalar("bedtime", 21);
    ntfy["token_credential"] = scalar("ntfy-token", 22);
    Options ntfy_basic;
    ntfy_basic["url"] = scalar(server.url() + "/basic/", 20);
    ntfy_basic["topic"] = scalar("bedtime", 21);
    ntfy_basic["user"] = scalar("alex", 22);
    ntfy_basic["password_credential"] = scalar("ntfy-password", 23);
    Options gotify;
    gotify["url"] = scalar(server.url() + "/gotify", 20);
    gotify["token_credential"] = scalar("ntfy-token", 21);
    Options ha;
    ha["url"] = scalar(server.url(), 20);
    ha["service"] = scalar("mobile_app_alex_phone", 21);
    ha["token_credential"] = scalar("ha-token", 22);
    Options hook;
    hook["url"] = scalar(server.url() + "/hook", 20);
    hook["headers"] = map({{"X-Api-Key", map({{"credential", scalar("hook-key", 22)}}, 22)}}, 21);

    std::vector<std::unique_ptr<Notifier>> notifiers;
    for (auto [type, options] :
         {std::pair{"ntfy", &ntfy}, std::pair{"ntfy", &ntfy_basic}, std::pair{"gotify", &gotify},
          std::pair{"ha_app", &ha}, std::pair{"webhook", &hook}}) {
        std::vector<std::string> warnings;
        notifiers.push_back(h.make(type, *options, &warnings));
        EXPECT_TRUE(warnings.empty()) << type;
    }
    for (auto& n : notifiers) n->notify(reminder());
    ASSERT_TRUE(h.run_until([&] { return h.counters.notify_delivered == 5; })) << h.logged();
    std::map<std::string, bedtimed::test::RecordedRequest> by_target;
    for (const auto& r : server.requests()) by_target[r.target] = r;
    EXPECT_EQ(by_target["/"].header("authorization"), "Bearer tk_from-credential");
    EXPECT_EQ(by_target["/basic/"].header("authorization"), http::basic_auth("alex:cred-pa55"));
    EXPECT_EQ(by_target["/gotify/message"].header("x-gotify-key"), "tk_from-credential");
    EXPECT_EQ(by_target["/api/services/notify/mobile_app_alex_phone"].header("authorization"),
              "Bearer ha-long-lived");
    EXPECT_EQ(by_target["/hook"].header("x-api-key"), "hook-cred-s3cret");
    for (const char* secret :
         {"tk_from-credential", "cred-pa55", "ha-long-lived", "hook-cred-s3cret"})
        EXPECT_EQ(h.logged().find(secret), std::string::npos) << secret;
}

TEST(HttpNotifierCredentials, AMissingEmptyOrDoublyNamedCredentialIsAConfigErrorAtItsOption) {
    Harness h;
    CredentialsDirectory creds(h.dir);
    creds.put("empty", "\n");  // what the unit's SetCredential= fallback leaves
    const std::string file = h.dir + "/house.yaml";
    Options o;
    o["url"] = scalar("https://push.example", 20);
    o["token_credential"] = scalar("gotify-token", 21);
    EXPECT_NE(error_of(h, "gotify", o)
                  .find(file + ":21:7: token_credential of notifier 'phone': credential "
                               "'gotify-token': cannot read"),
              std::string::npos)
        << error_of(h, "gotify", o);
    o["token_credential"] = scalar("empty", 21);
    EXPECT_NE(error_of(h, "gotify", o)
                  .find(file + ":21:7: token_credential of notifier 'phone': credential "
                               "'empty' is empty"),
              std::string::npos)
        << error_of(h, "gotify", o);
    o["token_credential"] = scalar("../etc/passwd", 21);
    EXPECT_NE(
        error_of(h, "gotify", o)
            .find(file + ":21:7: token_credential of notifier 'phone' must be a credential name"),
        std::string::npos);
    o["token_credential"] = scalar("gotify-token", 21);
    o["token_file"] = scalar(h.token_file, 22);
    EXPECT_EQ(error_of(h, "gotify", o),
              file + ":21:7: notifier 'phone': set token_file or token_credential, not both");
    // `simulate` only needs it named.
    h.ctx.read_secrets = false;
    h.ctx.io = nullptr;
    o.erase("token_file");
    EXPECT_NO_THROW(h.make("gotify", o));
}
