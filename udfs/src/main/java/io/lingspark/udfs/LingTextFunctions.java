package io.lingspark.udfs;

import io.lingspark.engine.chat.ChatRoles;
import io.lingspark.engine.output.ParsedToolCalls;
import io.lingspark.engine.output.ReasoningParser;
import io.lingspark.engine.output.ReasoningSplit;
import io.lingspark.engine.output.ToolCall;
import io.lingspark.engine.output.ToolCallParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.catalyst.expressions.Cast;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.AtomicType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.NullType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;
import scala.Option;

/**
 * The text-side functions ({@link LingFunctions} lists them) as function builders: the builder runs at
 * analysis, where it checks each argument's type, so a wrong one is a one-line error naming the function
 * and the argument instead of a ClassCastException inside a task, and a scalar (a number, a date) is cast
 * to STRING as Spark's own string functions do. Only the tokenizer and the template are loaded
 * ({@link TextModel}), never the weights.
 */
final class LingTextFunctions {
    static final ExpressionInfo CHAT_PROMPT_INFO = ScalaUdfs.info(LingTextFunctions.class, "ling_chat_prompt",
        "ling_chat_prompt(messages[, tools]) - The prompt the model's chat template renders for the messages "
            + "(with the generation prompt). messages and tools: JSON strings or arrays of structs/maps.");
    static final ExpressionInfo TOKEN_COUNT_INFO = ScalaUdfs.info(LingTextFunctions.class, "ling_token_count",
        "ling_token_count(text) - The number of tokens of text (no template, no BOS).");
    static final ExpressionInfo TOOL_CALLS_INFO = ScalaUdfs.info(LingTextFunctions.class, "ling_parse_tool_calls",
        "ling_parse_tool_calls(text) - array<struct<id, name, arguments>> of the Ling tool-call blocks in text.");
    static final ExpressionInfo REASONING_INFO = ScalaUdfs.info(LingTextFunctions.class, "ling_parse_reasoning",
        "ling_parse_reasoning(text) - struct<reasoning_content, content>: text split at the model's </think>.");

    private LingTextFunctions() {
    }

    /** A function: its name, its DESCRIBE FUNCTION text and its builder (the arguments → the expression). */
    record Definition(String name, ExpressionInfo info, Function<List<Expression>, Expression> builder) {
    }

    /**
     * The four functions over the model directory {@code dir} names when a query is analyzed (a fixed path,
     * or the session's conf for the SQL extension); ling_parse_tool_calls needs no model and never asks.
     */
    static List<Definition> definitions(Supplier<String> dir) {
        return List.of(
            new Definition("ling_chat_prompt", CHAT_PROMPT_INFO, args -> chatPrompt(dir.get(), args)),
            new Definition("ling_token_count", TOKEN_COUNT_INFO, args -> tokenCount(dir.get(), args)),
            new Definition("ling_parse_tool_calls", TOOL_CALLS_INFO, LingTextFunctions::toolCalls),
            new Definition("ling_parse_reasoning", REASONING_INFO, args -> reasoning(dir.get(), args)));
    }

    static Expression chatPrompt(String dir, List<Expression> args) {
        arity("ling_chat_prompt", args, 1, 2);
        Expression messages = jsonShaped("ling_chat_prompt", "messages", args.get(0));
        Expression tools = args.size() == 2 ? jsonShaped("ling_chat_prompt", "tools", args.get(1))
            : Literal.create(null, DataTypes.StringType);
        UDF2<Object, Object, String> f = (m, t) -> {
            if (m == null) {
                return null;
            }
            List<Map<String, Object>> ms = SparkJson.objectList(m, "ling_chat_prompt: messages");
            checkRoles(ms);
            ms = io.lingspark.engine.chat.ContentParts.joined(ms); // OpenAI text parts, as the generate job takes them
            List<Map<String, Object>> ts = SparkJson.objectList(t, "ling_chat_prompt: tools");
            return TextModel.get(dir).template().render(ms, ts, true, Map.of());
        };
        return ScalaUdfs.udf(f, DataTypes.StringType, "ling_chat_prompt", true, messages, tools);
    }

    static Expression tokenCount(String dir, List<Expression> args) {
        arity("ling_token_count", args, 1, 1);
        UDF1<String, Integer> f = text -> text == null ? null : TextModel.get(dir).tokenizer().encode(text).length;
        return ScalaUdfs.udf(f, DataTypes.IntegerType, "ling_token_count", true, text("ling_token_count", args.get(0)));
    }

    static Expression toolCalls(List<Expression> args) {
        arity("ling_parse_tool_calls", args, 1, 1);
        UDF1<String, List<Row>> f = text -> {
            if (text == null) {
                return null;
            }
            ParsedToolCalls p = ToolCallParser.parse(text);
            List<Row> out = new ArrayList<>();
            for (ToolCall c : p.toolCalls()) {
                out.add(RowFactory.create(c.id(), c.name(), c.arguments()));
            }
            return out;
        };
        return ScalaUdfs.udf(f, DataTypes.createArrayType(LingFunctions.TOOL_CALL), "ling_parse_tool_calls", true,
            text("ling_parse_tool_calls", args.get(0)));
    }

    static Expression reasoning(String dir, List<Expression> args) {
        arity("ling_parse_reasoning", args, 1, 1);
        UDF1<String, Row> f = text -> {
            if (text == null) {
                return null;
            }
            ReasoningSplit s = ReasoningParser.split(text, TextModel.get(dir).startsInReasoning());
            return RowFactory.create(s.reasoningContent(), s.content());
        };
        return ScalaUdfs.udf(f, LingFunctions.REASONING, "ling_parse_reasoning", true,
            text("ling_parse_reasoning", args.get(0)));
    }

    /** Every message is an object whose role the generate job would accept. */
    static void checkRoles(List<Map<String, Object>> messages) {
        for (int i = 0; i < messages.size(); i++) {
            Object role = messages.get(i).get("role");
            if (!ChatRoles.known(role)) {
                throw new IllegalArgumentException("ling_chat_prompt: message " + i + (role == null ? " has no role"
                    : " has unknown role '" + role + "'") + " (" + ChatRoles.LISTED + ")");
            }
        }
    }

    private static void arity(String fn, List<Expression> args, int min, int max) {
        if (args.size() < min || args.size() > max) {
            throw new IllegalArgumentException(fn + " takes " + (min == max ? String.valueOf(min) : min + " or " + max)
                + " argument(s), got " + args.size());
        }
    }

    /** A STRING argument: scalars are cast to STRING, anything nested is an error. */
    private static Expression text(String fn, Expression arg) {
        DataType t = arg.dataType();
        if (t instanceof StringType) {
            return arg;
        }
        if (t instanceof AtomicType || t instanceof NullType) {
            return new Cast(arg, DataTypes.StringType, Option.empty());
        }
        throw new IllegalArgumentException(fn + ": text must be a STRING (or a scalar cast to one), got " + t.sql());
    }

    /** A JSON string, or an array / struct / map that SparkJson turns into JSON-shaped values. */
    private static Expression jsonShaped(String fn, String what, Expression arg) {
        DataType t = arg.dataType();
        if (t instanceof StringType || t instanceof NullType || t instanceof ArrayType || t instanceof StructType
            || t instanceof MapType) {
            return arg;
        }
        throw new IllegalArgumentException(fn + ": " + what + " must be a JSON string or an array of structs or maps, got "
            + t.sql());
    }
}
