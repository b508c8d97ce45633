using System.Collections;
using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Alerts.Core.Options;

/// <summary>An options class and the configuration section it is bound from.</summary>
public sealed record OptionsSection(string Path, Type Type);

/// <summary>
/// Compares what is configured with the options classes it binds to, before binding: a key no class has (a typo,
/// a wrong shape) and a value its property cannot hold are named with the key, and for a typo the nearest valid
/// key, instead of being ignored or ending in the binder's stack trace.
/// </summary>
public static class SettingsShape
{
    /// <summary>One message per unknown key or unconvertible value under the given sections.</summary>
    public static List<string> Check(IConfiguration configuration, IReadOnlyCollection<OptionsSection> sections)
    {
        var errors = new List<string>();
        var paths = sections.Select(s => s.Path).ToList();
        foreach (var section in sections)
            Walk(configuration.GetSection(section.Path), section.Type, paths, errors);
        return errors;
    }

    private static void Walk(IConfigurationSection section, Type? type, List<string> registered, List<string> errors)
    {
        type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        if (type is not null && IsValue(type))
        {
            if (section.Value is { } value && !TryConvert(type, value)) errors.Add(ValueError(section.Path, value, type));
            if (!Converts(type))
            {
                foreach (var child in section.GetChildren())
                    errors.Add($"{child.Path} is not a setting: {section.Path} is a single value.");
                return;
            }
        }

        if (type is not null && ElementType(type) is { } element)
        {
            var isDictionary = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>);
            foreach (var child in section.GetChildren())
            {
                if (!isDictionary && !int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                    errors.Add($"{child.Path} is not a setting: {section.Path} is a list, numbered from 0 ({section.Path}:0).");
                else Walk(child, element, registered, errors);
            }
            return;
        }

        var properties = type is null ? [] : BindableProperties(type);
        foreach (var child in section.GetChildren())
        {
            if (registered.Contains(child.Path, StringComparer.OrdinalIgnoreCase)) continue; // checked against its own class
            var property = properties.FirstOrDefault(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            var isNamespace = registered.Any(r => r.StartsWith(child.Path + ":", StringComparison.OrdinalIgnoreCase));
            if (property is not null || isNamespace) Walk(child, property?.PropertyType, registered, errors);
            else errors.Add(UnknownKey(child, properties.Select(p => p.Name).Concat(NamespacesUnder(section.Path, registered))));
        }
    }

    private static string UnknownKey(IConfigurationSection child, IEnumerable<string> candidates)
    {
        var parent = child.Path[..^child.Key.Length];
        var nearest = candidates
            .Select(c => (Name: c, Distance: EditDistance(child.Key.ToUpperInvariant(), c.ToUpperInvariant())))
            .OrderBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        return nearest.Name is null
            ? $"{child.Path} is not a setting."
            : $"{child.Path} is not a setting; did you mean {parent}{nearest.Name}?";
    }

    private static IEnumerable<string> NamespacesUnder(string path, List<string> registered) =>
        registered.Where(r => r.StartsWith(path + ":", StringComparison.OrdinalIgnoreCase))
            .Select(r => r[(path.Length + 1)..].Split(':')[0])
            .Distinct(StringComparer.OrdinalIgnoreCase);

    /// <summary>Properties the configuration binder sets: public, readable, and settable or a collection it fills in place.</summary>
    private static List<PropertyInfo> BindableProperties(Type type) =>
        [.. type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.GetMethod is { IsPublic: true }
                && (p.SetMethod is { IsPublic: true } || ElementType(p.PropertyType) is not null && p.PropertyType is { IsInterface: false, IsArray: false }))];

    private static Type? ElementType(Type type)
    {
        if (type == typeof(string)) return null;
        if (type.IsArray) return type.GetElementType();
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>)) return type.GetGenericArguments()[1];
        if (type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type)) return type.GetGenericArguments()[0];
        return null;
    }

    /// <summary>A type set from one string: primitives, enums, strings, and classes with a converter (a recipient written as text).</summary>
    private static bool IsValue(Type type) => type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || Converts(type);

    private static bool Converts(Type type) =>
        type != typeof(string) && !type.IsPrimitive && !type.IsEnum && ElementType(type) is null
        && TypeDescriptor.GetConverter(type) is { } converter && converter.GetType() != typeof(TypeConverter) && converter.CanConvertFrom(typeof(string));

    private static bool TryConvert(Type type, string value)
    {
        if (value.Length == 0 && (type == typeof(string) || !type.IsValueType)) return true;
        try
        {
            if (type.IsEnum) return Enum.TryParse(type, value, ignoreCase: true, out var member) && Enum.IsDefined(type, member!);
            _ = TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or NotSupportedException || ex.InnerException is FormatException or OverflowException)
        {
            return false;
        }
    }

    private static string ValueError(string path, string value, Type type)
    {
        if (type.IsEnum)
        {
            var names = Enum.GetNames(type);
            var nearest = names.OrderBy(n => EditDistance(value.ToUpperInvariant(), n.ToUpperInvariant())).First();
            return $"{path} '{value}' must be one of {string.Join(", ", names)}; did you mean {nearest}?";
        }
        var expected = Type.GetTypeCode(type) switch
        {
            TypeCode.Boolean => "true or false",
            TypeCode.Byte or TypeCode.SByte or TypeCode.Int16 or TypeCode.UInt16 or TypeCode.Int32 or TypeCode.UInt32
                or TypeCode.Int64 or TypeCode.UInt64 => "a whole number",
            TypeCode.Single or TypeCode.Double or TypeCode.Decimal => "a number",
            _ => $"a {type.Name}",
        };
        return $"{path} '{value}' is not {expected}.";
    }

    /// <summary>Levenshtein distance: the fewest single-character edits from one name to the other.</summary>
    public static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
