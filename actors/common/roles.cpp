#include "actors/common/roles.hpp"

#include <cctype>
#include <string>

namespace mensa::common {

runtime::expected<void> validate_role(std::string_view role) {
  auto bad = [&](const char* why) {
    return runtime::failure{"invalid role '" + std::string(role) + "': " + why};
  };
  if (role == "*")
    return {};
  if (role.empty())
    return bad("it is empty");
  if (role.front() == '/' || role.back() == '/')
    return bad("it must not start or end with '/'");
  std::size_t begin = 0;
  while (begin <= role.size()) {
    auto end = role.find('/', begin);
    if (end == std::string_view::npos)
      end = role.size();
    auto component = role.substr(begin, end - begin);
    if (component.empty())
      return bad("it has an empty component ('//')");
    if (component == "." || component == "..")
      return bad("a component must not be '.' or '..'");
    if (component.front() == '-')
      return bad("a component must not start with '-'");
    if (component == "*")
      return bad("'*' is only valid as the whole role");
    for (char c : component)
      if (std::isspace(static_cast<unsigned char>(c)) ||
          std::iscntrl(static_cast<unsigned char>(c)) || c == '\\')
        return bad("it must not contain whitespace, control characters or '\\'");
    begin = end + 1;
  }
  return {};
}

bool is_same_or_ancestor(std::string_view ancestor, std::string_view role) {
  if (ancestor == role)
    return true;
  return role.size() > ancestor.size() && role.substr(0, ancestor.size()) == ancestor &&
         role[ancestor.size()] == '/';
}

std::vector<std::string> lineage(const std::string& role) {
  std::vector<std::string> result;
  for (auto slash = role.find('/'); slash != std::string::npos;
       slash = role.find('/', slash + 1))
    result.push_back(role.substr(0, slash));
  result.push_back(role);
  return result;
}

}  // namespace mensa::common
