-- LingSpark's SQL functions from the spark-sql shell, with no Java code (README: "SQL functions").
-- Run it as written, with the model given by conf:
--   spark-sql --jars jobs/target/lingspark-jobs-0.1.0-SNAPSHOT-shaded.jar \
--     --conf spark.sql.extensions=io.lingspark.udfs.LingSqlExtensions \
--     --conf spark.lingspark.model=/models/Ling-mini-2.0 -f examples/sql/functions.sql
CREATE OR REPLACE TEMPORARY VIEW chats AS
SELECT * FROM VALUES
  (1, '[{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": "What is Spark?"}]'),
  (2, '[{"role": "user", "content": "Name three rivers in France."}]')
AS t(id, messages);

-- The prompt the checkpoint's chat template renders, and its length in tokens.
SELECT id, ling_token_count(ling_chat_prompt(messages)) AS prompt_tokens FROM chats ORDER BY id;

-- Tool calls and reasoning out of a completion's text.
SELECT ling_parse_tool_calls('<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>')[0].name
  AS tool,
  ling_parse_reasoning('<think>short</think>The answer.').content AS content;

-- Generation under a constraint: every answer is one of the labels, or a struct of the DDL's fields.
SELECT id, ling_classify(get_json_object(messages, '$[0].content'), array('question', 'instruction')) AS kind
FROM chats ORDER BY id;
